using GrainChat.Chat;
using Microsoft.AspNetCore.WebUtilities;

namespace GrainChat.Gateway.Paging;

/// <summary>
/// A page of a list: <c>?limit=N</c> (default 50, at most 200) items after <c>?after=KEY</c>, the key of the last
/// item of the previous page. The JSON stays the list it always was; when there is more, the response carries
/// <c>Link: &lt;…next page…&gt;; rel="next"</c>.
/// </summary>
internal readonly record struct PageRequest(string? After, int Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    private const int MaxKeyLength = 200;

    public static PageRequest From(string? after, int? limit)
    {
        var size = limit ?? DefaultLimit;
        if (size is < 1 or > MaxLimit)
        {
            throw ChatException.Invalid($"limit is 1–{MaxLimit}", "limit");
        }

        if (after is { Length: 0 or > MaxKeyLength } || (after is not null && !ChatLimits.IsValidName(after)))
        {
            throw ChatException.Invalid($"after is the key of the last item of the previous page (1–{MaxKeyLength} characters)", "after");
        }

        return new PageRequest(after, size);
    }

    /// <summary>
    /// Cuts <paramref name="fetched"/> (read with <see cref="Limit"/> + 1, so that one more tells there is more) to
    /// the page, and adds the next page's link to the response when there is one.
    /// </summary>
    public IReadOnlyList<T> Finish<T>(IReadOnlyList<T> fetched, Func<T, string> keyOf, HttpContext http)
    {
        if (fetched.Count <= Limit)
        {
            return fetched;
        }

        var page = fetched.Take(Limit).ToArray();
        var query = QueryHelpers.ParseQuery(http.Request.QueryString.Value)
            .Where(q => q.Key is not ("after" or "limit"))
            .ToDictionary(q => q.Key, q => (string?)q.Value.ToString());
        query["limit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        query["after"] = keyOf(page[^1]);
        http.Response.Headers.Append("Link", $"<{QueryHelpers.AddQueryString(http.Request.Path, query)}>; rel=\"next\"");
        return page;
    }

    /// <summary>The page of an in-memory list in its own order, after the item whose key is <see cref="After"/>.</summary>
    public IReadOnlyList<T> Slice<T>(IReadOnlyList<T> all, Func<T, string> keyOf)
    {
        var (start, after) = (0, After);
        if (after is not null)
        {
            var index = all.Select(keyOf).ToList().FindIndex(key => string.Equals(key, after, StringComparison.Ordinal));
            start = index < 0 ? all.Count : index + 1;
        }

        return all.Skip(start).Take(Limit + 1).ToArray();
    }
}
