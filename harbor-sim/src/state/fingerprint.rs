//! A hash of each table of the state, to tell which tables a request changed.
//!
//! Harbor runs every write request but blob uploads and the token service in one database
//! transaction, which an answer of 400 or more rolls back (`src/server/middleware/
//! transaction/transaction.go`, skippers in `src/core/middlewares/middlewares.go`). The
//! simulator's handlers check before they change instead; with
//! [`crate::SimulatorBuilder::check_transactions`] on, these hashes are compared around
//! each refused write ([`crate::transaction_check`]), so a test finds a handler that
//! changes a table and then refuses.

use std::collections::hash_map::DefaultHasher;
use std::fmt::{self, Debug, Write as _};
use std::hash::Hasher;

use super::SimState;

/// Feeds formatted text into a hasher, so a table is hashed without being written out.
struct HashWriter(DefaultHasher);

impl fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

fn hash_of(table: &dyn Debug) -> u64 {
    let mut writer = HashWriter(DefaultHasher::new());
    // Writing into a hasher cannot fail.
    let _ = write!(writer, "{table:?}");
    writer.0.finish()
}

impl SimState {
    /// Each table Harbor's transaction covers, by field name, with a hash of its content.
    ///
    /// Left out, as Harbor leaves them out of the rollback: the id sequences (Postgres
    /// sequences are not transactional), the audit rows (written by event handlers after
    /// the transaction ends) and the webhook and Slack deliveries (made by event handlers
    /// in an ORM context of their own, `orm.Copy`: a refused push's `QUOTA_EXCEED` event,
    /// published at once, makes its deliveries whatever the request's transaction does).
    /// Every other field is listed: a new field is a compile error here until it is placed.
    pub(crate) fn table_hashes(&self) -> Vec<(&'static str, u64)> {
        let SimState {
            ids: _,
            audit_log_ext: _,
            audit_log: _,
            projects,
            members,
            repositories,
            artifacts,
            labels,
            users,
            robots,
            registries,
            replication_policies,
            webhooks,
            scanners,
            project_scanners,
            immutable_rules,
            quotas,
            documents,
            collections,
            executions,
            job_lifecycles,
            icon_blobs,
            blobs,
            accessories,
            registry,
            export_files,
            status_refresh,
            gc_check_ins,
            pending_work,
            scan_tasks,
            sbom_tasks,
            job_service,
            schedules,
            scheduler_rows,
            configurations,
            reachability,
            remote_catalog,
            gc_time_window,
            ldap_directory,
            retentions,
        } = self;
        let executions: Vec<_> = executions
            .values()
            .filter(|e| !super::webhooks::HOOK_KINDS.contains(&e.kind))
            .collect();
        let tables: [(&'static str, &dyn Debug); 37] = [
            ("projects", projects),
            ("members", members),
            ("repositories", repositories),
            ("artifacts", artifacts),
            ("labels", labels),
            ("users", users),
            ("robots", robots),
            ("registries", registries),
            ("replication_policies", replication_policies),
            ("webhooks", webhooks),
            ("scanners", scanners),
            ("project_scanners", project_scanners),
            ("immutable_rules", immutable_rules),
            ("quotas", quotas),
            ("documents", documents),
            ("collections", collections),
            ("executions", &executions),
            ("job_lifecycles", job_lifecycles),
            ("icon_blobs", icon_blobs),
            ("blobs", blobs),
            ("accessories", accessories),
            ("registry", &registry.summary()),
            ("export_files", export_files),
            ("status_refresh", status_refresh),
            ("gc_check_ins", gc_check_ins),
            ("pending_work", pending_work),
            ("scan_tasks", scan_tasks),
            ("sbom_tasks", sbom_tasks),
            ("job_service", job_service),
            ("schedules", schedules),
            ("scheduler_rows", scheduler_rows),
            ("configurations", configurations),
            ("reachability", reachability),
            ("remote_catalog", remote_catalog),
            ("gc_time_window", gc_time_window),
            ("ldap_directory", ldap_directory),
            ("retentions", retentions),
        ];
        tables
            .into_iter()
            .map(|(name, table)| (name, hash_of(table)))
            .collect()
    }

    /// The tables whose content differs between two [`SimState::table_hashes`].
    pub(crate) fn changed_tables(
        before: &[(&'static str, u64)],
        after: &[(&'static str, u64)],
    ) -> Vec<&'static str> {
        before
            .iter()
            .zip(after)
            .filter(|(b, a)| b.1 != a.1)
            .map(|(b, _)| b.0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::SimState;
    use crate::state::webhook_events::QuotaRequest;

    #[test]
    fn a_refused_push_changes_no_table_by_the_quota_event_it_sends() {
        let mut s = SimState::with_admin("admin", "pw");
        s.seed_demo().unwrap();
        let demo = s.projects.id_by_name("demo").unwrap();
        let hook = json!({"name": "quota", "enabled": true, "event_types": ["QUOTA_EXCEED"],
                          "targets": [{"type": "http", "address": "http://ci.example.com/hook"}]});
        s.create_webhook(demo, hook, "admin").unwrap();
        let quota = s.quotas.values().find(|q| q.project_id == demo).unwrap().id;
        s.update_quota(quota, &[("storage".to_owned(), 1)].into())
            .unwrap();
        let before = s.table_hashes();
        let executions = s.executions.len();
        let request = QuotaRequest {
            operator: "admin",
            repository: "demo/team/app",
            tag: "v9",
            digest: "sha256:00",
        };
        assert!(s.reserve_storage(demo, 1024, request).is_err());
        // The event made its delivery, outside the request's transaction.
        assert_eq!(s.executions.len(), executions + 1);
        assert_eq!(
            SimState::changed_tables(&before, &s.table_hashes()),
            Vec::<&str>::new()
        );
    }
}
