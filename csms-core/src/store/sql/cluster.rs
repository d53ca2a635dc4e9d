//! The nodes sharing the database, and their duties.

/// Implements the cluster part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! cluster {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod cluster {
            use super::*;
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use crate::model::{
                ClusterNode, DeadNode, EventKind, StationId, StationPresence, TenantId,
            };
            use crate::store::sql::{at, to_json};
            use crate::store::{ClusterStore, StoreResult};

            type Connection = <<$row as sqlx::Row>::Database as sqlx::Database>::Connection;

            fn node_from(row: &$row) -> StoreResult<ClusterNode> {
                Ok(ClusterNode {
                    node_id: row.try_get("node_id")?,
                    started_at: row.try_get("started_at")?,
                    alive_until: row.try_get("alive_until")?,
                })
            }

            /// Sets the stations of `node` offline at `now`, each with its event.
            async fn set_offline(
                connection: &mut Connection,
                node: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<(TenantId, StationId)>> {
                let rows = sqlx::query(
                    "UPDATE stations SET online = FALSE, node_id = NULL \
                     WHERE node_id = $1 RETURNING tenant_id, id, identity",
                )
                .bind(node)
                .fetch_all(&mut *connection)
                .await?;
                let mut stations = Vec::with_capacity(rows.len());
                let mut events = Vec::with_capacity(rows.len());
                for row in &rows {
                    let tenant = TenantId(row.try_get("tenant_id")?);
                    let station = StationId(row.try_get("id")?);
                    let presence = StationPresence {
                        identity: row.try_get("identity")?,
                        ocpp_version: None,
                        at: now,
                    };
                    events.push((
                        tenant,
                        EventKind::StationDisconnected,
                        format!("station:{}", station.0),
                        to_json("event data", &presence)?,
                    ));
                    stations.push((tenant, station));
                }
                super::outbox::record_events(connection, &events).await?;
                Ok(stations)
            }

            #[async_trait]
            impl ClusterStore for $store {
                async fn renew_node(
                    &self,
                    node: &str,
                    started_at: DateTime<Utc>,
                    until: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    self.writes
                        .write(
                            (node.to_owned(), at(started_at), at(until)),
                            |(node, started_at, until), connection| {
                                Box::pin(async move {
                                    let renewed = sqlx::query(
                                        "UPDATE cluster_nodes SET alive_until = $2 \
                                         WHERE node_id = $1",
                                    )
                                    .bind(node.as_str())
                                    .bind(*until)
                                    .execute(&mut *connection)
                                    .await?;
                                    if renewed.rows_affected() > 0 {
                                        return Ok(true);
                                    }
                                    sqlx::query(
                                        "INSERT INTO cluster_nodes (node_id, started_at, alive_until) \
                                         VALUES ($1, $2, $3) ON CONFLICT (node_id) DO UPDATE \
                                         SET started_at = excluded.started_at, \
                                         alive_until = excluded.alive_until",
                                    )
                                    .bind(node.as_str())
                                    .bind(*started_at)
                                    .bind(*until)
                                    .execute(&mut *connection)
                                    .await?;
                                    Ok(false)
                                })
                            },
                        )
                        .await
                }

                async fn node(&self, node: &str) -> StoreResult<Option<ClusterNode>> {
                    sqlx::query(
                        "SELECT node_id, started_at, alive_until FROM cluster_nodes \
                         WHERE node_id = $1",
                    )
                    .bind(node)
                    .fetch_optional(&self.readers)
                    .await?
                    .as_ref()
                    .map(node_from)
                    .transpose()
                }

                async fn nodes(&self, now: DateTime<Utc>) -> StoreResult<Vec<ClusterNode>> {
                    sqlx::query(
                        "SELECT node_id, started_at, alive_until FROM cluster_nodes \
                         WHERE alive_until >= $1 ORDER BY node_id",
                    )
                    .bind(at(now))
                    .fetch_all(&self.readers)
                    .await?
                    .iter()
                    .map(node_from)
                    .collect()
                }

                async fn remove_nodes(
                    &self,
                    now: DateTime<Utc>,
                    node: Option<&str>,
                ) -> StoreResult<Vec<DeadNode>> {
                    // Every node asks every heartbeat, and nearly always nobody died: a read
                    // answers that, without a write.
                    if node.is_none() {
                        let expired: Option<String> = sqlx::query_scalar(
                            "SELECT node_id FROM cluster_nodes WHERE alive_until < $1 LIMIT 1",
                        )
                        .bind(at(now))
                        .fetch_optional(&self.readers)
                        .await?;
                        if expired.is_none() {
                            return Ok(Vec::new());
                        }
                    }
                    let dead = self
                        .writes
                        .write(
                            (at(now), node.map(str::to_owned)),
                            |(now, node), connection| {
                                Box::pin(async move {
                                    // The delete takes each dead node's row: whoever else
                                    // removes nodes at the same time finds it gone.
                                    let mut names: Vec<String> = sqlx::query_scalar(
                                        "DELETE FROM cluster_nodes \
                                         WHERE alive_until < $1 OR node_id = $2 RETURNING node_id",
                                    )
                                    .bind(*now)
                                    .bind(node.as_deref())
                                    .fetch_all(&mut *connection)
                                    .await?;
                                    if let Some(node) = node
                                        && !names.contains(node)
                                    {
                                        names.push(node.clone());
                                    }
                                    let mut dead = Vec::with_capacity(names.len());
                                    for name in names {
                                        let stations =
                                            set_offline(connection, &name, *now).await?;
                                        dead.push(DeadNode {
                                            node_id: name,
                                            stations,
                                        });
                                    }
                                    Ok(dead)
                                })
                            },
                        )
                        .await?;
                    for node in &dead {
                        for &(_, station) in &node.stations {
                            self.stations.forget(station);
                        }
                    }
                    Ok(dead)
                }

                async fn claim_duty(
                    &self,
                    duty: &str,
                    node: &str,
                    now: DateTime<Utc>,
                    until: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    self.writes
                        .write(
                            (duty.to_owned(), node.to_owned(), at(now), at(until)),
                            |(duty, node, now, until), connection| {
                                Box::pin(async move {
                                    let holder: Option<String> = sqlx::query_scalar(
                                        "INSERT INTO duty_leases (duty, node_id, until) \
                                         VALUES ($1, $2, $4) ON CONFLICT (duty) DO UPDATE \
                                         SET node_id = excluded.node_id, until = excluded.until \
                                         WHERE duty_leases.node_id = excluded.node_id \
                                         OR duty_leases.until < $3 RETURNING node_id",
                                    )
                                    .bind(duty.as_str())
                                    .bind(node.as_str())
                                    .bind(*now)
                                    .bind(*until)
                                    .fetch_optional(&mut *connection)
                                    .await?;
                                    Ok(holder.is_some())
                                })
                            },
                        )
                        .await
                }

                async fn release_duties(&self, node: &str) -> StoreResult<()> {
                    self.writes
                        .write(node.to_owned(), |node, connection| {
                            Box::pin(async move {
                                sqlx::query("DELETE FROM duty_leases WHERE node_id = $1")
                                    .bind(node.as_str())
                                    .execute(&mut *connection)
                                    .await?;
                                Ok(())
                            })
                        })
                        .await
                }
            }
        }
    };
}

pub(crate) use cluster;
