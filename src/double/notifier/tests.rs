//! The kit's notifier against a wiremock receiver: the default schedule, the hooks a fault
//! uses (no retry, retry after an acknowledgement, a second event), the bound on pending
//! deliveries.

use std::sync::Mutex;
use std::time::Duration;

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

type Seen = Vec<(Job, Attempt, Status, bool)>;
/// A fault's follow-up hook: (job, acknowledged, more) → the jobs that follow.
type Hook = fn(&Job, bool, bool) -> Vec<Job>;

/// Acknowledges `ok`; follows up as `hook` says (the default when `None`).
struct Probe {
    url: String,
    seen: Arc<Mutex<Seen>>,
    hook: Option<Hook>,
}

impl Notify for Probe {
    fn build(&self, job: &Job) -> Option<Outgoing> {
        Some(Outgoing {
            url: self.url.clone(),
            headers: vec![("x-event", job.event.to_string())],
            body: job.id.clone().into_bytes(),
        })
    }

    fn acknowledges(&self, status: u16, body: &str) -> bool {
        status == 200 && body == "ok"
    }

    fn record(&self, job: &Job, attempt: Attempt, status: Status, sent: bool) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push((job.clone(), attempt, status, sent));
        }
    }

    fn follow_up(&self, job: &Job, acknowledged: bool, more: bool) -> Vec<Job> {
        match self.hook {
            Some(hook) => hook(job, acknowledged, more),
            None if !acknowledged && more => vec![job.retry()],
            None => Vec::new(),
        }
    }
}

/// A receiver answering `fails` times `nope`, then `ok`.
async fn receiver(fails: u64) -> MockServer {
    let server = MockServer::start().await;
    if fails > 0 {
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string("nope"))
            .up_to_n_times(fails)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

/// Runs orders `ids` through a notifier with a 4-step 5 ms schedule until `n` are recorded.
async fn run(
    server: &MockServer,
    hook: Option<Hook>,
    ids: &[&str],
    max_pending: usize,
    n: usize,
) -> (Seen, Vec<Status>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let probe = Probe {
        url: server.uri(),
        seen: Arc::clone(&seen),
        hook,
    };
    let settings = Settings {
        schedule: vec![Duration::from_millis(5); 4],
        max_pending,
        attempt_timeout: Duration::from_secs(5),
        user_agent: None,
    };
    let (outbox, inbox) = queue(8);
    let notifier = Notifier::spawn(probe, settings, inbox);
    let queued = ids.iter().map(|id| outbox.queue(id)).collect();
    for _ in 0..400 {
        if seen.lock().map(|s| s.len()).unwrap_or(0) >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Whatever would come after the last expected record has its chance to (wrongly) come.
    tokio::time::sleep(Duration::from_millis(60)).await;
    drop(notifier);
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    (seen, queued)
}

fn statuses(seen: &Seen) -> Vec<Status> {
    seen.iter().map(|(_, _, status, _)| *status).collect()
}

#[tokio::test]
async fn retries_on_the_schedule_until_acknowledged() {
    let server = receiver(2).await;
    let (seen, queued) = run(&server, None, &["A"], 4, 3).await;
    assert_eq!(queued, [Status::Pending]);
    assert_eq!(
        statuses(&seen),
        [Status::Pending, Status::Pending, Status::Delivered]
    );
    let attempts: Vec<usize> = seen.iter().map(|(_, a, _, _)| a.attempt).collect();
    assert_eq!(attempts, [1, 2, 3]);
    assert!(
        seen.iter()
            .all(|(_, a, _, sent)| *sent && a.status == Some(200))
    );
    assert_eq!(seen[0].1.answer, "nope");
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(3));
}

#[tokio::test]
async fn gives_up_when_the_schedule_runs_out() {
    let server = receiver(10).await;
    let (seen, _) = run(&server, None, &["A"], 4, 4).await;
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(seen[3].2, Status::GaveUp);
}

#[tokio::test]
async fn a_hook_can_skip_the_retries() {
    let server = receiver(10).await;
    let (seen, _) = run(&server, Some(|_, _, _| Vec::new()), &["A"], 4, 1).await;
    assert_eq!(statuses(&seen), [Status::GaveUp]);
}

#[tokio::test]
async fn a_hook_can_keep_retrying_after_an_acknowledgement() {
    let server = receiver(0).await;
    let hook: Hook = |job, _, more| if more { vec![job.retry()] } else { Vec::new() };
    let (seen, _) = run(&server, Some(hook), &["A"], 4, 4).await;
    assert_eq!(seen.len(), 4);
    assert!(
        seen.iter()
            .all(|(_, a, s, _)| a.acknowledged && *s == Status::Delivered)
    );
}

#[tokio::test]
async fn a_hook_can_send_a_second_event() {
    let server = receiver(0).await;
    let hook: Hook = |job, acknowledged, _| {
        if acknowledged && job.event == 0 {
            vec![job.event(1)]
        } else {
            Vec::new()
        }
    };
    let (seen, _) = run(&server, Some(hook), &["A"], 4, 2).await;
    let events: Vec<u32> = seen.iter().map(|(j, _, _, _)| j.event).collect();
    assert_eq!(events, [0, 1]);
    let requests = server.received_requests().await.unwrap_or_default();
    let headers: Vec<_> = requests
        .iter()
        .map(|r| r.headers.get("x-event").map(|v| v.as_bytes().to_vec()))
        .collect();
    assert_eq!(headers, [Some(b"0".to_vec()), Some(b"1".to_vec())]);
}

#[tokio::test]
async fn deliveries_beyond_the_bound_are_dropped_as_given_up() {
    let server = receiver(0).await;
    let (seen, queued) = run(&server, None, &["A", "B", "C"], 2, 3).await;
    assert_eq!(queued, [Status::Pending; 3]);
    let dropped: Vec<_> = seen.iter().filter(|(_, _, _, sent)| !sent).collect();
    assert_eq!(dropped.len(), 1, "{seen:?}");
    assert_eq!(dropped[0].0.id, "C");
    assert_eq!(dropped[0].2, Status::GaveUp);
    assert!(dropped[0].1.answer.starts_with("dropped"));
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(2));
}

#[test]
fn the_log_keeps_the_latest_attempts() {
    let mut log = Log::default();
    for n in 1..=LOG_LIMIT + 3 {
        log.push(Attempt {
            attempt: n,
            at_ms: 0,
            status: None,
            answer: String::new(),
            acknowledged: false,
        });
    }
    assert_eq!(log.len(), LOG_LIMIT);
    assert_eq!(log.iter().next().map(|a| a.attempt), Some(4));
}

#[test]
fn a_queue_without_its_notifier_gives_up() {
    let (outbox, inbox) = queue(1);
    drop(inbox);
    assert_eq!(outbox.queue("A"), Status::GaveUp);
}
