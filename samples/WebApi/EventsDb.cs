using Microsoft.Data.Sqlite;

namespace WebApi;

/// <summary>A real SQLite file of page-view events, created and seeded on first run.</summary>
public sealed class EventsDb
{
    private readonly string _connectionString;

    private EventsDb(string path) => _connectionString = new SqliteConnectionStringBuilder { DataSource = path }.ToString();

    public static EventsDb Open(string path)
    {
        var db = new EventsDb(path);
        using SqliteConnection connection = db.Connect();
        using SqliteCommand create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE IF NOT EXISTS events (project_id TEXT NOT NULL, day INTEGER NOT NULL, duration_ms INTEGER NOT NULL)";
        create.ExecuteNonQuery();
        using SqliteCommand count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM events";
        if ((long)count.ExecuteScalar()! == 0)
        {
            Seed(connection);
        }
        return db;
    }

    public async Task<ProjectStats> StatsAsync(Guid projectId, DateOnly day, CancellationToken ct)
    {
        await using SqliteConnection connection = Connect();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(avg(duration_ms), 0) FROM events WHERE project_id = $project AND day = $day";
        command.Parameters.AddWithValue("$project", projectId.ToString());
        command.Parameters.AddWithValue("$day", day.DayNumber);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ProjectStats(projectId, day, reader.GetInt64(0), reader.GetDouble(1));
    }

    public async Task AddEventAsync(Guid projectId, DateOnly day, int durationMs, CancellationToken ct)
    {
        await using SqliteConnection connection = Connect();
        await using SqliteCommand insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO events VALUES ($project, $day, $duration)";
        insert.Parameters.AddWithValue("$project", projectId.ToString());
        insert.Parameters.AddWithValue("$day", day.DayNumber);
        insert.Parameters.AddWithValue("$duration", durationMs);
        await insert.ExecuteNonQueryAsync(ct);
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Seed(SqliteConnection connection)
    {
        using SqliteTransaction transaction = connection.BeginTransaction();
        using SqliteCommand insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO events VALUES ($project, $day, $duration)";
        SqliteParameter project = insert.Parameters.Add("$project", SqliteType.Text);
        SqliteParameter day = insert.Parameters.Add("$day", SqliteType.Integer);
        SqliteParameter duration = insert.Parameters.Add("$duration", SqliteType.Integer);
        var random = new Random(42);
        for (int p = 1; p <= 3; p++)
        {
            for (int d = 0; d < 7; d++)
            {
                for (int e = 0; e < 500; e++)
                {
                    project.Value = new Guid(p, 0, 0, new byte[8]).ToString();
                    day.Value = new DateOnly(2026, 11, 20).AddDays(d).DayNumber;
                    duration.Value = random.Next(10, 5000);
                    insert.ExecuteNonQuery();
                }
            }
        }
        transaction.Commit();
    }
}
