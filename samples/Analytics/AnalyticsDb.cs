using Microsoft.Data.Sqlite;

namespace Analytics;

/// <summary>A real SQLite file of page-view events; the aggregate query is the slow call worth caching.</summary>
public sealed class AnalyticsDb
{
    private const int EventsPerProjectDay = 4_000;
    private readonly string _connectionString;

    private AnalyticsDb(string path) => _connectionString = new SqliteConnectionStringBuilder { DataSource = path }.ToString();

    public static IReadOnlyList<Guid> Projects { get; } = Enumerable.Range(1, 5).Select(i => new Guid(i, 0, 0, new byte[8])).ToArray();

    public static IReadOnlyList<DateOnly> Days { get; } = Enumerable.Range(0, 4).Select(i => new DateOnly(2026, 11, 20).AddDays(i)).ToArray();

    /// <summary>Opens the database file, creating and filling it on first use.</summary>
    public static AnalyticsDb Open(string path)
    {
        var db = new AnalyticsDb(path);
        using var connection = db.Connect();
        using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'";
        if ((long)exists.ExecuteScalar()! == 0)
        {
            Seed(connection);
        }
        return db;
    }

    public async Task<ProjectStats> ComputeStatsAsync(Guid projectId, DateOnly day, CancellationToken ct)
    {
        await using var connection = Connect();
        await using var command = connection.CreateCommand();
        // No index on purpose: a full scan is the slow report query a cache is for.
        command.CommandText = """
            SELECT count(*), count(DISTINCT user_id), coalesce(avg(duration_ms), 0)
            FROM events WHERE project_id = $project AND day = $day
            """;
        command.Parameters.AddWithValue("$project", projectId.ToString());
        command.Parameters.AddWithValue("$day", day.DayNumber);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ProjectStats(projectId, day, reader.GetInt64(0), reader.GetInt64(1), reader.GetDouble(2));
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Seed(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE events (project_id TEXT NOT NULL, day INTEGER NOT NULL, user_id INTEGER NOT NULL, duration_ms INTEGER NOT NULL)";
            create.ExecuteNonQuery();
        }
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO events VALUES ($project, $day, $user, $duration)";
        var project = insert.Parameters.Add("$project", SqliteType.Text);
        var day = insert.Parameters.Add("$day", SqliteType.Integer);
        var user = insert.Parameters.Add("$user", SqliteType.Integer);
        var duration = insert.Parameters.Add("$duration", SqliteType.Integer);
        var random = new Random(7);
        foreach (Guid p in Projects)
        {
            foreach (DateOnly d in Days)
            {
                for (int i = 0; i < EventsPerProjectDay; i++)
                {
                    project.Value = p.ToString();
                    day.Value = d.DayNumber;
                    user.Value = random.Next(1, 500);
                    duration.Value = random.Next(10, 5_000);
                    insert.ExecuteNonQuery();
                }
            }
        }
        transaction.Commit();
    }
}
