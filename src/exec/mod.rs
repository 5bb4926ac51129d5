//! Running a [`Plan`](crate::graph::Plan): the scheduler decides what runs when, a [`Spawn`]
//! implementation runs it, and everything that happens is reported as events.

mod capture;
mod check;
mod control;
mod event;
mod job_tokens;
mod offload;
mod process;
mod scheduler;
mod script;
mod sequence;
mod signals;
mod spawn;
mod up_to_date;

#[cfg(unix)]
#[path = "os/unix.rs"]
mod os;
#[cfg(unix)]
#[path = "os/posix_spawn.rs"]
mod posix_spawn;

pub(crate) use capture::{
    DEFAULT_MAX_SIZE as DEFAULT_SPOOL_MAX_SIZE, Spool, max_size as spool_max_size,
};
pub(crate) use check::{CacheOptions, Foreseen, explain_dry_run};
pub(crate) use control::{Control, ControlReceiver, ControlSender, channel as control_channel};
pub(crate) use event::{JobEvent, JobResult};
pub(crate) use job_tokens::JobTokens;
pub(crate) use os::become_subreaper;
pub(crate) use scheduler::{Alone, Scheduler, SchedulerOptions};
pub(crate) use signals::SignalPipes;
pub(crate) use spawn::{Job, LocalSpawner, Ready, RunningJob, Spawn};
