//! The rows Harbor's scheduler (`src/pkg/scheduler/`) holds beside the periodic system jobs'
//! schedules ([`super::JobSchedule`]): those of scheduled replication, retention and preheat
//! policies, and the two system jobs Harbor's core schedules when it starts (the system
//! artifact cleanup and the execution sweep, `src/core/main.go`). Only what cannot be derived
//! is kept, each row's id and time; the cron is read from the policy when the schedules are
//! listed (`ListSchedules`, `src/server/v2.0/handler/schedule.go`).

use serde_json::{Value, json};

use super::SimState;
use crate::go_json::go_field;

/// `job.ReplicationVendorType`.
pub const REPLICATION: &str = "REPLICATION";
/// `job.RetentionVendorType` (the retention controller's `schedulerVendorType`).
pub const RETENTION: &str = "RETENTION";
/// `job.P2PPreheatVendorType`.
pub const P2P_PREHEAT: &str = "P2P_PREHEAT";
/// `job.SystemArtifactCleanupVendorType`: scheduled by the core at start, vendor id 0.
pub const SYSTEM_ARTIFACT_CLEANUP: &str = "SYSTEM_ARTIFACT_CLEANUP";
/// `job.ExecSweepVendorType`: scheduled by the core at start, vendor id -1.
pub const EXECUTION_SWEEP: &str = "EXECUTION_SWEEP";

/// The cron of both system jobs the core schedules at start (daily at midnight).
const SYSTEM_CRON: &str = "0 0 0 * * *";

/// A row of the scheduler for a schedule whose cron the state holds elsewhere: its id (the
/// schedule sequence's, shared with the system jobs' schedules) and when it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerRow {
    /// The schedule's id.
    pub id: i64,
    /// RFC 3339 with milliseconds: every (re)schedule is a new row.
    pub update_time: String,
}

/// A policy's trigger cron as its kind stores it: `Some` when the policy is scheduled with a
/// non-empty cron (the condition under which each controller calls `Schedule` on create).
fn nonempty(cron: &Value) -> Option<String> {
    cron.as_str().filter(|c| !c.is_empty()).map(str::to_owned)
}

/// A preheat policy's trigger (a JSON text) as `(type, cron)`.
pub(crate) fn preheat_trigger(policy: &Value) -> (String, String) {
    trigger_type_and_cron(policy["trigger"].as_str().unwrap_or_default())
}

/// A preheat trigger's JSON text as `(type, cron)`, its fields found as Go's decoder finds
/// them.
pub(crate) fn trigger_type_and_cron(text: &str) -> (String, String) {
    let trigger: Value = serde_json::from_str(text).unwrap_or_default();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let setting = go_field(&trigger, "trigger_setting");
    (
        text(go_field(&trigger, "type")),
        text(go_field(setting, "cron")),
    )
}

/// Whether a policy's update unschedules its old schedule and schedules a new one, as the
/// retention and preheat controllers decide (`UpdateRetention`, preheat `UpdatePolicy`):
/// `old` and `new` are `(trigger type, cron)`, `scheduled` the type that schedules. With the
/// type changed, the old type unschedules and the new one schedules (the preheat controller
/// only with a non-empty cron, `cron_needed_on_type_change`); with it unchanged and
/// scheduled, a changed cron unschedules a non-empty old one and schedules a non-empty new
/// one.
pub(crate) fn reschedule_on_update(
    old: (&str, &str),
    new: (&str, &str),
    scheduled: &str,
    cron_needed_on_type_change: bool,
) -> (bool, bool) {
    let ((old_type, old_cron), (new_type, new_cron)) = (old, new);
    if old_type != new_type {
        let with_cron = |cron: &str| !cron_needed_on_type_change || !cron.is_empty();
        (
            old_type == scheduled && with_cron(old_cron),
            new_type == scheduled && with_cron(new_cron),
        )
    } else if new_type == scheduled && old_cron != new_cron {
        (!old_cron.is_empty(), !new_cron.is_empty())
    } else {
        (false, false)
    }
}

impl SimState {
    /// `scheduler.Schedule` for a schedule whose cron the state derives: a new row (the next
    /// schedule id, now), replacing any of the same vendor.
    pub(crate) fn schedule_vendor(&mut self, vendor_type: &'static str, vendor_id: i64) {
        let id = self.ids.next("schedule");
        self.scheduler_rows.insert(
            (vendor_type, vendor_id),
            SchedulerRow {
                id,
                update_time: super::now(),
            },
        );
    }

    /// `scheduler.UnScheduleByVendor`.
    pub(crate) fn unschedule_vendor(&mut self, vendor_type: &'static str, vendor_id: i64) {
        self.scheduler_rows.remove(&(vendor_type, vendor_id));
    }

    /// What Harbor's core schedules when it starts: the system artifact cleanup, then the
    /// execution sweep (each only if none exists).
    pub(crate) fn schedule_system_jobs(&mut self) {
        for (vendor_type, vendor_id) in [(SYSTEM_ARTIFACT_CLEANUP, 0), (EXECUTION_SWEEP, -1)] {
            if !self.scheduler_rows.contains_key(&(vendor_type, vendor_id)) {
                self.schedule_vendor(vendor_type, vendor_id);
            }
        }
    }

    /// The cron of a derived row, from its policy; `None` when the policy is gone.
    fn derived_cron(&self, vendor_type: &str, vendor_id: i64) -> Option<String> {
        match vendor_type {
            REPLICATION => self
                .replication_policies
                .get(&vendor_id)
                .and_then(|p| nonempty(&p.doc["trigger"]["trigger_settings"]["cron"])),
            RETENTION => self
                .retentions
                .get(&vendor_id)
                .and_then(|d| nonempty(&d["trigger"]["settings"]["cron"])),
            P2P_PREHEAT => self
                .preheat_policy(vendor_id)
                .map(|p| preheat_trigger(p).1)
                .filter(|c| !c.is_empty()),
            SYSTEM_ARTIFACT_CLEANUP | EXECUTION_SWEEP => Some(SYSTEM_CRON.to_owned()),
            _ => None,
        }
    }

    /// A preheat policy by id, in whichever project's collection it is kept.
    pub(crate) fn preheat_policy(&self, id: i64) -> Option<&Value> {
        self.collections
            .iter()
            .filter(|(key, _)| key.ends_with("/preheat/policies"))
            .find_map(|(_, policies)| policies.get(&id))
    }

    /// Drops the rows whose policy is gone (a project deleted with its policies: Harbor's
    /// controllers unschedule each policy they delete).
    pub(crate) fn drop_orphan_schedules(&mut self) {
        let orphans: Vec<(&'static str, i64)> = self
            .scheduler_rows
            .keys()
            .filter(|(t, id)| self.derived_cron(t, *id).is_none())
            .copied()
            .collect();
        for key in orphans {
            self.scheduler_rows.remove(&key);
        }
    }

    /// Every schedule of the scheduler as `ListSchedules` answers it (`ScheduleTask`: id,
    /// vendor type and id, cron, update time), by id: the system jobs' schedules and the
    /// derived rows together. Harbor's DAO sets no order; PostgreSQL returns the rows as
    /// inserted, and every (re)schedule inserts one.
    pub fn schedule_list(&self) -> Vec<Value> {
        let system = self.schedules.iter().map(|(vendor_type, s)| {
            // The GC and purge controllers schedule with vendor id -1; scan all schedules with
            // 0, which go-swagger's `ScheduleTask` leaves out (`omitempty`), as it does for the
            // system artifact cleanup's.
            let vendor_id = if *vendor_type == "SCAN_ALL" { 0 } else { -1 };
            let mut row = json!({"id": s.id, "vendor_type": vendor_type, "vendor_id": vendor_id,
                                 "cron": s.cron, "update_time": s.update_time});
            crate::omitempty::omit_empty(&mut row, &["vendor_id"]);
            (s.id, row)
        });
        let derived = self
            .scheduler_rows
            .iter()
            .filter_map(|((vendor_type, vendor_id), row)| {
                let cron = self.derived_cron(vendor_type, *vendor_id)?;
                let mut answer = json!({"id": row.id, "vendor_type": vendor_type,
                    "vendor_id": vendor_id, "cron": cron, "update_time": row.update_time});
                crate::omitempty::omit_empty(&mut answer, &["vendor_id"]);
                Some((row.id, answer))
            });
        let mut rows: Vec<(i64, Value)> = system.chain(derived).collect();
        rows.sort_by_key(|(id, _)| *id);
        rows.into_iter().map(|(_, row)| row).collect()
    }
}
