using System.Data.Common;

namespace GrainChat.Silo.Persistence.Sql;

public static class DbCommandExtensions
{
    public static DbParameter AddParameter(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        // Named as the SQL writes it: SQLite otherwise tries each prefix (@, $, :) on every execution.
        parameter.ParameterName = name.StartsWith('@') ? name : "@" + name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
