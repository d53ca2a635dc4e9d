//! Group commit: writes from many callers share one transaction and one sync.
//!
//! A caller hands [`GroupCommit::write`] a write (a function of its input and a connection
//! inside an open transaction) and waits. A committer task takes every write waiting, up to
//! [`GroupCommitConfig::max_batch`], runs them one after the other in one transaction and
//! commits once; each caller gets its own result only after that commit (so an answer never
//! reports what a crash could still undo). Writes wait for their batch no longer than the
//! batch before them takes to commit, and then at most [`GroupCommitConfig::gather`] (a
//! millisecond or two, only while fewer writes have come than last time; see [`gather`]):
//! while one batch syncs, the next one gathers.
//!
//! A write that fails must not fail its neighbours. The batch runs first without
//! savepoints (the common case, and the cheap one); when one write fails, the transaction is
//! rolled back and the whole batch runs again with a savepoint around each write, so the
//! failing one is undone alone and gets its own error, and the others commit. That is why a
//! write is a plain function of a kept input: it may run twice, and only the last run counts.
//! A commit that fails fails every write of its batch, each with
//! [`StoreError::CommitFailed`].
//!
//! One kind of write is cheaper still: meter values of a session the store already knows
//! ([`GroupCommit::insert_meter_values`]). Those of a whole batch are inserted together, a
//! few hundred rows per statement, after the batch's other writes and before its commit (on
//! SQLite every statement is a hop to the connection's thread and back; on PostgreSQL a
//! round trip), and the sequence numbers of the 2.x events that carried them are set in one
//! statement for the whole batch. When that fails, the batch runs again with savepoints,
//! each write's values inserted on their own.
//!
//! A write only has its connection: it cannot reach the pool while the batch holds a
//! connection, which is what once deadlocked the stores (a transaction waiting for a second
//! connection that writers waiting for its lock held).

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::pool::PoolConnection;
use sqlx::{Connection, Database, Pool};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

use super::readings::Reading;
use super::{StoreError, StoreResult};
use crate::model::{SessionId, TenantId};

/// A database whose connections run batches: what the committer needs of it besides
/// [`Database`] (spelled out per database, since the generic form of it trips up the
/// compiler's proof that the committer's futures are `Send`).
pub(crate) trait BatchDatabase: Database {
    /// Runs `sql` (no parameters, no rows) on `connection`.
    fn execute<'c>(
        connection: &'c mut Self::Connection,
        sql: &'static str,
    ) -> BoxFuture<'c, Result<(), sqlx::Error>>;
}

impl BatchDatabase for sqlx::Sqlite {
    fn execute<'c>(
        connection: &'c mut sqlx::SqliteConnection,
        sql: &'static str,
    ) -> BoxFuture<'c, Result<(), sqlx::Error>> {
        Box::pin(async move { sqlx::query(sql).execute(connection).await.map(drop) })
    }
}

impl BatchDatabase for sqlx::Postgres {
    fn execute<'c>(
        connection: &'c mut sqlx::PgConnection,
        sql: &'static str,
    ) -> BoxFuture<'c, Result<(), sqlx::Error>> {
        Box::pin(async move { sqlx::query(sql).execute(connection).await.map(drop) })
    }
}

/// A write run in a batch: from its input and the batch's connection (inside its
/// transaction), its result. It may run more than once (see the [module](self)), so it
/// takes its input by reference.
pub(crate) type WriteFn<DB, I, T> =
    for<'c> fn(&'c I, &'c mut <DB as Database>::Connection) -> BoxFuture<'c, StoreResult<T>>;

/// Inserts the meter values of several sessions, skipping those already kept (the
/// database's unique key decides), and raises their sessions' highest sequence numbers, in
/// as few statements as it can: the sessions whose sequence number it raised.
pub(crate) type InsertMeterValuesFn<DB> = for<'c> fn(
    &'c mut <DB as Database>::Connection,
    &'c [&'c SessionValues],
) -> BoxFuture<'c, StoreResult<Vec<SessionId>>>;

/// Meter values for one session, inserted with the batch's others: already made into
/// their rows by the caller, so that the committer, which holds the write lock, only
/// inserts them.
#[derive(Debug)]
pub(crate) struct SessionValues {
    /// The session's tenant.
    pub(crate) tenant: TenantId,
    /// The session, which exists.
    pub(crate) session: SessionId,
    /// The values, one row per instant.
    pub(crate) readings: Vec<Reading>,
    /// The sequence number of the 2.x event that carried them, which becomes the running
    /// session's highest if it is higher than the one kept (`None`: no sequence number).
    pub(crate) seq_no: Option<i64>,
}

/// How batches are made.
pub(crate) struct GroupCommitConfig<DB: Database> {
    /// The most writes one transaction takes.
    pub(crate) max_batch: usize,
    /// How many batches may be committing at once (1 for SQLite, which has one writer).
    pub(crate) concurrent_batches: usize,
    /// How long a batch may wait for more writes once it has its first, while it has
    /// fewer than the batch before it had (see [`run`]).
    pub(crate) gather: Duration,
    /// The statement that opens a batch's transaction (`BEGIN IMMEDIATE` takes SQLite's
    /// write lock at once, so a batch never has to upgrade from a read lock).
    pub(crate) begin: &'static str,
    /// How the meter values of a batch are inserted together.
    pub(crate) insert_meter_values: InsertMeterValuesFn<DB>,
}

impl<DB: Database> Clone for GroupCommitConfig<DB> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<DB: Database> Copy for GroupCommitConfig<DB> {}

/// The handle writes go through; cheap to clone. The committer task ends when the last
/// handle is dropped, after the writes already handed to it.
pub(crate) struct GroupCommit<DB: Database> {
    queue: mpsc::Sender<Box<dyn Job<DB>>>,
    insert_meter_values: InsertMeterValuesFn<DB>,
}

impl<DB: Database> Clone for GroupCommit<DB> {
    fn clone(&self) -> Self {
        GroupCommit {
            queue: self.queue.clone(),
            insert_meter_values: self.insert_meter_values,
        }
    }
}

impl<DB: Database> std::fmt::Debug for GroupCommit<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field(
                "waiting",
                &(self.queue.max_capacity() - self.queue.capacity()),
            )
            .finish()
    }
}

impl<DB> GroupCommit<DB>
where
    DB: BatchDatabase,
{
    /// Starts the committer task on the current tokio runtime, taking its connections from
    /// `pool`.
    pub(crate) fn start(pool: Pool<DB>, config: GroupCommitConfig<DB>) -> GroupCommit<DB> {
        let (queue, waiting) = mpsc::channel(config.max_batch * 4);
        tokio::spawn(run(pool, waiting, config));
        GroupCommit {
            queue,
            insert_meter_values: config.insert_meter_values,
        }
    }

    /// Inserts meter values of a session that exists, with the other values of the next
    /// batch, skipping those already kept, and raises the session's highest sequence
    /// number to theirs; answers once the batch has committed, whether it raised it (when
    /// one batch carries several values of one session, the highest number is set, and
    /// each of them answers as it does).
    pub(crate) async fn insert_meter_values(&self, values: SessionValues) -> StoreResult<bool> {
        let (reply, answer) = oneshot::channel();
        let job = MeterValuesJob {
            values,
            insert: self.insert_meter_values,
            output: None,
            reply,
        };
        self.enqueue(Box::new(job), answer).await
    }

    /// Runs `write` on `input` in the next batch and answers its result once the batch has
    /// committed.
    pub(crate) async fn write<I, T>(&self, input: I, write: WriteFn<DB, I, T>) -> StoreResult<T>
    where
        I: Send + Sync + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Write {
            input,
            write,
            output: None,
            reply,
            database: PhantomData,
        };
        self.enqueue(Box::new(job), answer).await
    }

    async fn enqueue<T>(
        &self,
        job: Box<dyn Job<DB>>,
        answer: oneshot::Receiver<StoreResult<T>>,
    ) -> StoreResult<T> {
        self.queue
            .send(job)
            .await
            .map_err(|_| StoreError::CommitFailed {
                reason: "the store is closed".to_owned(),
            })?;
        answer.await.map_err(|_| StoreError::CommitFailed {
            reason: "the committer stopped before the write was committed".to_owned(),
        })?
    }
}

/// A write waiting in a batch, its input and result type erased.
trait Job<DB: Database>: Send {
    /// Runs the write; whether it succeeded.
    fn run<'c>(&'c mut self, connection: &'c mut DB::Connection) -> BoxFuture<'c, bool>;

    /// The meter values this write only inserts, if that is all it does: the batch
    /// inserts them with the others' instead of running it.
    fn meter_values(&self) -> Option<&SessionValues> {
        None
    }

    /// The batch inserted [`meter_values`](Job::meter_values), and raised the sequence
    /// numbers of the sessions `advanced`.
    fn inserted(&mut self, _advanced: &[SessionId]) {}

    /// Answers the caller: the write's result if `committed` is `Ok`, else the commit's
    /// error.
    fn finish(self: Box<Self>, committed: Result<(), String>);
}

/// [`GroupCommit::insert_meter_values`] waiting in a batch.
struct MeterValuesJob<DB: Database> {
    values: SessionValues,
    insert: InsertMeterValuesFn<DB>,
    output: Option<StoreResult<bool>>,
    reply: oneshot::Sender<StoreResult<bool>>,
}

impl<DB: Database> MeterValuesJob<DB> {
    /// Whether the sessions `advanced` include this job's, by its sequence number.
    fn advanced(&self, advanced: &[SessionId]) -> bool {
        self.values.seq_no.is_some() && advanced.contains(&self.values.session)
    }
}

impl<DB: Database> Job<DB> for MeterValuesJob<DB> {
    fn run<'c>(&'c mut self, connection: &'c mut DB::Connection) -> BoxFuture<'c, bool> {
        Box::pin(async move {
            let result = (self.insert)(connection, &[&self.values]).await;
            let succeeded = result.is_ok();
            self.output = Some(result.map(|advanced| self.advanced(&advanced)));
            succeeded
        })
    }

    fn meter_values(&self) -> Option<&SessionValues> {
        Some(&self.values)
    }

    fn inserted(&mut self, advanced: &[SessionId]) {
        self.output = Some(Ok(self.advanced(advanced)));
    }

    fn finish(self: Box<Self>, committed: Result<(), String>) {
        let result = match (self.output, committed) {
            (Some(Err(error)), _) => Err(error),
            (Some(Ok(advanced)), Ok(())) => Ok(advanced),
            (_, Err(reason)) => Err(StoreError::CommitFailed { reason }),
            (None, Ok(())) => Err(StoreError::CommitFailed {
                reason: "the values were not inserted".to_owned(),
            }),
        };
        let _ = self.reply.send(result);
    }
}

struct Write<DB: Database, I, T> {
    input: I,
    write: WriteFn<DB, I, T>,
    output: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
    database: PhantomData<fn() -> DB>,
}

impl<DB, I, T> Job<DB> for Write<DB, I, T>
where
    DB: Database,
    I: Send + Sync + 'static,
    T: Send + 'static,
{
    fn run<'c>(&'c mut self, connection: &'c mut DB::Connection) -> BoxFuture<'c, bool> {
        Box::pin(async move {
            // A write that panics fails alone, like one that errs.
            let result = std::panic::AssertUnwindSafe((self.write)(&self.input, connection))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    Err(StoreError::CommitFailed {
                        reason: "the write panicked".to_owned(),
                    })
                });
            let succeeded = result.is_ok();
            self.output = Some(result);
            succeeded
        })
    }

    fn finish(self: Box<Self>, committed: Result<(), String>) {
        let result = match (self.output, committed) {
            (Some(Err(error)), _) => Err(error),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Ok(_)), Err(reason)) => Err(StoreError::CommitFailed { reason }),
            (None, committed) => Err(StoreError::CommitFailed {
                reason: committed
                    .err()
                    .unwrap_or_else(|| "the write did not run".to_owned()),
            }),
        };
        // The caller may have given up waiting; what it wrote is committed all the same.
        let _ = self.reply.send(result);
    }
}

/// The committer: gathers batches and commits them, at most `concurrent_batches` at once.
async fn run<DB>(
    pool: Pool<DB>,
    mut waiting: mpsc::Receiver<Box<dyn Job<DB>>>,
    config: GroupCommitConfig<DB>,
) where
    DB: BatchDatabase,
{
    let slots = Arc::new(Semaphore::new(config.concurrent_batches.max(1)));
    let mut previous = 0;
    loop {
        // Wait for a free slot and a connection before taking more than the first write,
        // so that writes keep gathering while the database is busy.
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let mut batch = Vec::with_capacity(config.max_batch);
        if waiting.recv_many(&mut batch, config.max_batch).await == 0 {
            return;
        }
        let connection = pool.acquire().await;
        gather(&mut waiting, &mut batch, config, previous).await;
        previous = batch.len();
        let commit = commit(connection, config, batch, slot);
        if config.concurrent_batches <= 1 {
            commit.await;
        } else {
            tokio::spawn(commit);
        }
    }
}

/// Adds to `batch` the writes waiting, then, while it has fewer than the batch before it
/// (`previous`), those arriving within [`GroupCommitConfig::gather`].
///
/// Callers that each wait for their answer before they write again (stations, one call in
/// flight each) arrive in waves: a batch's answers go out together and the next writes
/// come back over the next millisecond or so. Taking only what is already waiting would
/// commit the first few of a wave on their own and the rest in the batch after, a sync
/// each; waiting for as many as came last time, briefly, commits a wave at once. A lone
/// caller (a batch of one before) never waits.
async fn gather<DB: Database>(
    waiting: &mut mpsc::Receiver<Box<dyn Job<DB>>>,
    batch: &mut Vec<Box<dyn Job<DB>>>,
    config: GroupCommitConfig<DB>,
    previous: usize,
) {
    let take_waiting = |waiting: &mut mpsc::Receiver<Box<dyn Job<DB>>>,
                        batch: &mut Vec<Box<dyn Job<DB>>>| {
        while batch.len() < config.max_batch {
            match waiting.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
    };
    take_waiting(waiting, batch);
    let wanted = previous.min(config.max_batch);
    if batch.len() >= wanted || config.gather.is_zero() {
        return;
    }
    let deadline = tokio::time::Instant::now() + config.gather;
    while batch.len() < wanted {
        match tokio::time::timeout_at(deadline, waiting.recv()).await {
            Ok(Some(job)) => {
                batch.push(job);
                take_waiting(waiting, batch);
            }
            Ok(None) | Err(_) => return,
        }
    }
}

/// How one attempt at a batch went.
enum Attempt {
    /// Committed, every write succeeded (or, with savepoints, those that failed were undone).
    Committed,
    /// A write failed without savepoints: rolled back, to be run again with them.
    WriteFailed,
    /// The transaction could not begin or commit.
    Failed(String),
}

/// Commits one batch on `connection` and answers each of its writes, then frees its slot.
fn commit<DB>(
    connection: Result<PoolConnection<DB>, sqlx::Error>,
    config: GroupCommitConfig<DB>,
    mut batch: Vec<Box<dyn Job<DB>>>,
    slot: OwnedSemaphorePermit,
) -> BoxFuture<'static, ()>
where
    DB: BatchDatabase,
{
    Box::pin(async move {
        let committed = match connection {
            Ok(mut connection) => commit_batch(&mut *connection, config, &mut batch).await,
            Err(error) => Err(error.to_string()),
        };
        if let Err(reason) = &committed {
            tracing::error!(%reason, writes = batch.len(), "a batch of writes failed");
        }
        for job in batch {
            job.finish(committed.clone());
        }
        drop(slot);
    })
}

/// Runs a batch: first without savepoints, then, if a write failed, with them.
async fn commit_batch<DB>(
    connection: &mut DB::Connection,
    config: GroupCommitConfig<DB>,
    batch: &mut [Box<dyn Job<DB>>],
) -> Result<(), String>
where
    DB: BatchDatabase,
{
    let mut outcome = attempt(connection, config, batch, false).await;
    if let Attempt::WriteFailed = outcome {
        outcome = attempt(connection, config, batch, true).await;
    }
    match outcome {
        Attempt::Committed => Ok(()),
        Attempt::WriteFailed => Err("a write failed".to_owned()),
        Attempt::Failed(reason) => Err(reason),
    }
}

async fn attempt<DB>(
    connection: &mut DB::Connection,
    config: GroupCommitConfig<DB>,
    batch: &mut [Box<dyn Job<DB>>],
    savepoints: bool,
) -> Attempt
where
    DB: BatchDatabase,
{
    let mut transaction = match connection.begin_with(config.begin).await {
        Ok(transaction) => transaction,
        Err(error) => return Attempt::Failed(error.to_string()),
    };
    for job in batch.iter_mut() {
        if !savepoints {
            if job.meter_values().is_some() {
                continue;
            }
            if !job.run(&mut transaction).await {
                return match transaction.rollback().await {
                    Ok(()) => Attempt::WriteFailed,
                    Err(error) => Attempt::Failed(error.to_string()),
                };
            }
            continue;
        }
        if let Err(error) = DB::execute(&mut transaction, "SAVEPOINT batch_write").await {
            return Attempt::Failed(error.to_string());
        }
        if !job.run(&mut transaction).await {
            if let Err(error) =
                DB::execute(&mut transaction, "ROLLBACK TO SAVEPOINT batch_write").await
            {
                return Attempt::Failed(error.to_string());
            }
        }
        if let Err(error) = DB::execute(&mut transaction, "RELEASE SAVEPOINT batch_write").await {
            return Attempt::Failed(error.to_string());
        }
    }
    if !savepoints {
        let values: Vec<&SessionValues> =
            batch.iter().filter_map(|job| job.meter_values()).collect();
        if !values.is_empty() {
            let Ok(advanced) = (config.insert_meter_values)(&mut transaction, &values).await else {
                return match transaction.rollback().await {
                    Ok(()) => Attempt::WriteFailed,
                    Err(error) => Attempt::Failed(error.to_string()),
                };
            };
            for job in batch.iter_mut() {
                job.inserted(&advanced);
            }
        }
    }
    match transaction.commit().await {
        Ok(()) => Attempt::Committed,
        Err(error) => Attempt::Failed(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use sqlx::{Sqlite, SqlitePool};

    use super::*;

    async fn pool() -> (SqlitePool, std::path::PathBuf) {
        let file = std::env::temp_dir().join(format!(
            "group-commit-{}-{}.db",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        let options = SqliteConnectOptions::new()
            .filename(&file)
            .create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("database");
        sqlx::query("CREATE TABLE rows (n INTEGER PRIMARY KEY)")
            .execute(&pool)
            .await
            .expect("table");
        (pool, file)
    }

    fn committer(pool: &SqlitePool) -> GroupCommit<Sqlite> {
        committer_gathering(pool, Duration::ZERO)
    }

    fn committer_gathering(pool: &SqlitePool, gather: Duration) -> GroupCommit<Sqlite> {
        GroupCommit::start(
            pool.clone(),
            GroupCommitConfig {
                max_batch: 64,
                concurrent_batches: 1,
                gather,
                begin: "BEGIN IMMEDIATE",
                insert_meter_values: |_, _| Box::pin(async { Ok(Vec::new()) }),
            },
        )
    }

    /// Inserts `n`, then fails if `n` is a multiple of 5 (after its insert: a write that
    /// fails half way).
    fn insert<'c>(
        n: &'c i64,
        connection: &'c mut sqlx::SqliteConnection,
    ) -> BoxFuture<'c, StoreResult<i64>> {
        Box::pin(async move {
            sqlx::query("INSERT INTO rows (n) VALUES ($1)")
                .bind(*n)
                .execute(&mut *connection)
                .await?;
            if n % 5 == 0 {
                return Err(StoreError::Invalid {
                    what: "row",
                    reason: format!("{n} is a multiple of 5"),
                });
            }
            Ok(*n)
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_is_undone_alone() {
        let (pool, file) = pool().await;
        let writes = committer(&pool);
        // Hold the connection so that all the writes queue up and share batches.
        let held = pool.acquire().await.expect("connection");
        let mut tasks = Vec::new();
        for n in 1..=40_i64 {
            let writes = writes.clone();
            tasks.push(tokio::spawn(async move { writes.write(n, insert).await }));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(held);
        for (n, task) in (1..=40_i64).zip(tasks) {
            match task.await.expect("task") {
                Ok(value) => assert_eq!(value, n),
                Err(StoreError::Invalid { .. }) => assert_eq!(n % 5, 0),
                Err(other) => panic!("write {n}: {other}"),
            }
        }
        let kept: Vec<i64> = sqlx::query_scalar("SELECT n FROM rows ORDER BY n")
            .fetch_all(&pool)
            .await
            .expect("rows");
        let expected: Vec<i64> = (1..=40).filter(|n| n % 5 != 0).collect();
        assert_eq!(
            kept, expected,
            "the failing writes' inserts are undone, the others kept"
        );
        pool.close().await;
        let _ = std::fs::remove_file(file);
    }

    /// Inserts a child of parent `n`, checked only at commit.
    fn insert_child<'c>(
        n: &'c i64,
        connection: &'c mut sqlx::SqliteConnection,
    ) -> BoxFuture<'c, StoreResult<i64>> {
        Box::pin(async move {
            sqlx::query("INSERT INTO children (parent) VALUES ($1)")
                .bind(*n)
                .execute(&mut *connection)
                .await?;
            Ok(*n)
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_commit_fails_its_batch_and_no_other() {
        let (pool, file) = pool().await;
        sqlx::raw_sql(
            "PRAGMA foreign_keys = ON; \
             CREATE TABLE children (parent INTEGER REFERENCES rows (n) \
             DEFERRABLE INITIALLY DEFERRED)",
        )
        .execute(&pool)
        .await
        .expect("tables");
        let writes = committer(&pool);
        let held = pool.acquire().await.expect("connection");
        // One batch: good rows, and a child of a row that does not exist, which only the
        // commit finds out.
        let mut tasks = Vec::new();
        for n in [1_i64, 2, 3] {
            let writes = writes.clone();
            tasks.push(tokio::spawn(async move { writes.write(n, insert).await }));
        }
        let orphan = {
            let writes = writes.clone();
            tokio::spawn(async move { writes.write(999_i64, insert_child).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(held);
        for task in tasks {
            let result = task.await.expect("task");
            assert!(
                matches!(result, Err(StoreError::CommitFailed { .. })),
                "{result:?}"
            );
        }
        let result = orphan.await.expect("task");
        assert!(
            matches!(result, Err(StoreError::CommitFailed { .. })),
            "{result:?}"
        );
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rows")
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(kept, 0, "nothing of a batch that failed to commit is kept");
        // The next batch commits.
        assert_eq!(writes.write(7_i64, insert).await.expect("write"), 7);
        pool.close().await;
        // A closed pool: the write is refused, not lost in silence.
        let closed = writes.write(8_i64, insert).await;
        assert!(
            matches!(closed, Err(StoreError::CommitFailed { .. })),
            "{closed:?}"
        );
        let _ = std::fs::remove_file(file);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_wave_of_writes_like_the_last_one_is_committed_together() {
        let (pool, file) = pool().await;
        let writes = committer_gathering(&pool, Duration::from_secs(2));
        // A first wave of ten, queued behind a held connection: one batch of ten.
        let held = pool.acquire().await.expect("connection");
        let mut tasks = Vec::new();
        for n in 1..=10_i64 {
            let writes = writes.clone();
            tasks.push(tokio::spawn(async move { writes.write(n, insert).await }));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(held);
        for task in tasks {
            let _ = task.await.expect("task");
        }
        // The next wave trickles in over a few milliseconds: its first write is answered
        // only once the last has come, in the same batch.
        let first = {
            let writes = writes.clone();
            tokio::spawn(async move {
                writes.write(11_i64, insert).await.expect("write");
                std::time::Instant::now()
            })
        };
        let mut rest = Vec::new();
        let mut last_sent = std::time::Instant::now();
        for n in 12..=20_i64 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let writes = writes.clone();
            last_sent = std::time::Instant::now();
            rest.push(tokio::spawn(async move { writes.write(n, insert).await }));
        }
        let answered = first.await.expect("task");
        assert!(
            answered >= last_sent,
            "the first write of the wave waited for the others"
        );
        for task in rest {
            let _ = task.await.expect("task");
        }
        // Once a batch was small, a lone writer no longer waits.
        for n in [21_i64, 22, 23] {
            let started = std::time::Instant::now();
            writes.write(n, insert).await.expect("write");
            if n > 21 {
                assert!(
                    started.elapsed() < Duration::from_secs(1),
                    "a lone write after a lone write does not wait to gather"
                );
            }
        }
        pool.close().await;
        let _ = std::fs::remove_file(file);
    }
}
