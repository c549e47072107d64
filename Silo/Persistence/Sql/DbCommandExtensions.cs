using System.Data.Common;

namespace GrainChat.Silo.Persistence.Sql;

public static class DbCommandExtensions
{
    public static DbParameter AddParameter(this DbCommand command, string name, object? value) =>
        Add(command.Parameters, command.CreateParameter(), name, value);

    private static DbParameter Add(DbParameterCollection parameters, DbParameter parameter, string name, object? value)
    {
        // Named as the SQL writes it: SQLite otherwise tries each prefix (@, $, :) on every execution.
        parameter.ParameterName = name.StartsWith('@') ? name : "@" + name;
        parameter.Value = value ?? DBNull.Value;
        parameters.Add(parameter);
        return parameter;
    }
}
