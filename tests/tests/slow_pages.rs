//! Listings that survive slow pages (issue 23, part 3), end to end: a `HarborClient` list
//! stream against `harbor-sim` with 1,000 artifacts in one repository, where a page costs
//! 50 ms per item of its `page_size` (`PageServiceTime`) and every attempt gets 3 s.
//!
//! Paused tokio clock: the simulator's page service time, the client's attempt timeout and
//! its waits all run on tokio's clock, so the runs take no real time and the request counts
//! do not depend on the machine. Retries wait without jitter, so every run is the same.

use std::collections::HashSet;
use std::time::Duration;

use harbor_client::HarborClient;
use harbor_client::methods::GetArtifactsParams;
use harbor_sim::{Fault, FaultRule, PageServiceTime, RunningSimulator, Simulator};
use retry_runtime::wait;

const ARTIFACTS: usize = 1_000;
const PER_ITEM: Duration = Duration::from_millis(50);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
const PROJECT: &str = "library";
const REPOSITORY: &str = "big";
const LIST: &str = "listArtifacts";

/// A simulator with `ARTIFACTS` artifacts in `library/big`, and their ids.
async fn simulator() -> (RunningSimulator, HashSet<i64>) {
    simulator_with(ARTIFACTS).await
}

/// A simulator with `n` artifacts in `library/big`, and their ids.
async fn simulator_with(n: usize) -> (RunningSimulator, HashSet<i64>) {
    let sim = Simulator::builder()
        .seed_demo(true)
        .record_answers(true)
        .start()
        .await
        .expect("simulator starts");
    for i in 0..n {
        sim.handle()
            .push_image(PROJECT, REPOSITORY, &format!("v{i}"))
            .expect("push");
    }
    let ids = artifact_ids(&sim);
    assert_eq!(ids.len(), n);
    (sim, ids)
}

/// The ids of the artifacts in `library/big` now.
fn artifact_ids(sim: &RunningSimulator) -> HashSet<i64> {
    sim.handle().with_state(|s| {
        let repo = s
            .repository_id(PROJECT, REPOSITORY)
            .expect("the repository");
        s.artifacts
            .values()
            .filter(|a| a.repository_id == repo)
            .map(|a| a.id)
            .collect()
    })
}

/// A client with the attempt timeout, retrying transient errors after a constant 1 s without
/// jitter, and no time limit on a call.
fn client(sim: &RunningSimulator) -> HarborClient {
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .attempt_timeout(ATTEMPT_TIMEOUT)
        .build()
        .expect("client builds");
    client
        .update_retry(|s| {
            s.logger(false)
                .no_jitter()
                .no_max_time()
                .wait_gen(wait::constant().interval(1))
        })
        .expect("valid settings");
    client
}

/// The fewest requests that can list `ARTIFACTS` items: every page as large as fits in the
/// attempt timeout.
fn fewest_requests() -> usize {
    let largest_page = (1..=100)
        .rev()
        .find(|n| PER_ITEM * *n < ATTEMPT_TIMEOUT)
        .expect("a page of one fits") as usize;
    ARTIFACTS.div_ceil(largest_page)
}

fn requests(sim: &RunningSimulator) -> usize {
    sim.handle().counts(LIST).expect("counted").received as usize
}

/// The page sizes of the answered requests, in order.
fn answered_page_sizes(sim: &RunningSimulator) -> Vec<(u16, String)> {
    sim.handle()
        .answers()
        .into_iter()
        .filter(|a| a.operation == LIST)
        .map(|a| {
            let size = a
                .uri
                .split(['?', '&'])
                .find_map(|pair| pair.strip_prefix("page_size="))
                .unwrap_or("")
                .to_owned();
            (a.status, size)
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_page_is_held_in_proportion_to_its_size_on_tokios_clock() {
    let (sim, _) = simulator().await;
    let http = reqwest::Client::new();
    // Set from another process's side: the admin endpoint.
    let admin = format!("{}/_sim/service-times/{LIST}", sim.base_url());
    let put = |url: String| {
        http.put(url)
            .header("content-type", "application/json")
            .body(r#"{"millis_per_item": 50}"#)
            .send()
    };
    let set = put(admin.clone()).await.unwrap();
    assert_eq!(set.status(), 200);
    let not_a_list = put(format!("{}/_sim/service-times/getProject", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(not_a_list.status(), 400);
    assert_eq!(
        sim.handle().page_service_times()[LIST],
        PageServiceTime::per_item(PER_ITEM)
    );
    let page = |size: u32| {
        let url = format!(
            "{}/projects/{PROJECT}/repositories/{REPOSITORY}/artifacts?page_size={size}",
            sim.api_url()
        );
        let request = http.get(url).basic_auth("admin", Some("Harbor12345"));
        async move {
            let started = tokio::time::Instant::now();
            let answer = request.send().await.unwrap();
            assert_eq!(answer.status(), 200);
            started.elapsed()
        }
    };
    // The paused clock moves only by the sleeps: exactly the page's time, within the 1 ms
    // the clock's resolution rounds to.
    for (size, held) in [(100, 5_000), (50, 2_500), (1, 50)] {
        let took = page(size).await;
        let expected = Duration::from_millis(held);
        assert!(
            (expected..expected + Duration::from_millis(1)).contains(&took),
            "page_size {size}: {took:?}"
        );
    }
    let removed = http.delete(&admin).send().await.unwrap();
    assert_eq!(removed.status(), 204);
    assert!(page(100).await < Duration::from_millis(1));
}

#[tokio::test(start_paused = true)]
async fn a_page_that_times_out_is_halved_and_the_listing_stays_complete() {
    let (sim, ids) = simulator().await;
    sim.handle()
        .set_page_service_time(LIST, PageServiceTime::per_item(PER_ITEM))
        .unwrap();
    let client = client(&sim);
    let listed = client
        .get_artifacts_all(PROJECT, REPOSITORY, &GetArtifactsParams::default(), None)
        .await
        .expect("the listing completes");
    let listed_ids: Vec<i64> = listed.iter().map(|a| a.id.expect("an id")).collect();
    let unique: HashSet<i64> = listed_ids.iter().copied().collect();
    assert_eq!(listed_ids.len(), ARTIFACTS, "no item twice");
    assert_eq!(unique, ids, "every item once");

    let made = requests(&sim);
    let fewest = fewest_requests();
    println!(
        "{ARTIFACTS} artifacts, {} ms per item, {} s attempt timeout: {made} requests, \
         fewest possible {fewest}, ratio {:.3}",
        PER_ITEM.as_millis(),
        ATTEMPT_TIMEOUT.as_secs(),
        made as f64 / fewest as f64
    );
    assert!(
        made * 10 <= fewest * 13,
        "{made} requests, more than 1.3 x {fewest}"
    );
    // The page of 100 timed out (never answered); every answered page asked for 50.
    let answered = answered_page_sizes(&sim);
    assert_eq!(answered.len(), made - 1);
    assert!(
        answered.iter().all(|a| *a == (200, "50".to_owned())),
        "{answered:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_504_halves_the_page_too() {
    let (sim, ids) = simulator().await;
    sim.handle()
        .inject(FaultRule::new(Fault::status(504)).operation(LIST).times(1))
        .unwrap();
    let client = client(&sim);
    let listed = client
        .get_artifacts_all(PROJECT, REPOSITORY, &GetArtifactsParams::default(), None)
        .await
        .expect("the listing completes");
    let unique: HashSet<i64> = listed.iter().map(|a| a.id.expect("an id")).collect();
    assert_eq!(listed.len(), ARTIFACTS);
    assert_eq!(unique, ids);
    let mut expected = vec![(504, "100".to_owned())];
    expected.extend((0..ARTIFACTS / 50).map(|_| (200, "50".to_owned())));
    assert_eq!(answered_page_sizes(&sim), expected);
    assert_eq!(requests(&sim), 1 + ARTIFACTS / 50);
}

#[tokio::test(start_paused = true)]
async fn deletions_during_a_slow_listing_skip_no_survivor_and_repeat_nothing() {
    use futures::StreamExt as _;

    let (sim, ids) = simulator().await;
    sim.handle()
        .set_page_service_time(LIST, PageServiceTime::per_item(PER_ITEM))
        .unwrap();
    let client = client(&sim);
    let newest_listed = |sim: &RunningSimulator, listed: &[i64]| -> i64 {
        let present = artifact_ids(sim);
        *listed
            .iter()
            .find(|id| present.contains(id))
            .expect("a listed artifact still there")
    };

    // Two deletions while a page is being made (the server holds it for 2.5 s): at 20.1 s and
    // 31.7 s of the paused clock, the newest artifact, listed already, goes.
    let deleter = {
        let handle = sim.handle().clone();
        tokio::spawn(async move {
            let start = tokio::time::Instant::now();
            let mut deleted = Vec::new();
            for at in [20_100, 31_700] {
                tokio::time::sleep_until(start + Duration::from_millis(at)).await;
                let newest = handle.with_state(|s| {
                    let repo = s.repository_id(PROJECT, REPOSITORY).unwrap();
                    s.artifacts
                        .values()
                        .filter(|a| a.repository_id == repo)
                        .map(|a| a.id)
                        .max()
                        .unwrap()
                });
                handle.with_state(|s| s.delete_artifact(newest)).unwrap();
                deleted.push(newest);
            }
            deleted
        })
    };

    // Three between pages: once 150, 420 and 777 items are in, one already listed goes.
    let params = GetArtifactsParams {
        page_size: Some(100),
        ..Default::default()
    };
    let mut stream = std::pin::pin!(client.get_artifacts_stream(PROJECT, REPOSITORY, &params));
    let mut listed = Vec::new();
    let mut deleted = Vec::new();
    while let Some(artifact) = stream.next().await {
        listed.push(artifact.expect("no page fails").id.expect("an id"));
        if [150, 420, 777].contains(&listed.len()) {
            let id = newest_listed(&sim, &listed);
            sim.handle().with_state(|s| s.delete_artifact(id)).unwrap();
            deleted.push(id);
        }
    }
    deleted.extend(deleter.await.expect("the deleter runs"));
    assert_eq!(deleted.len(), 5);

    let survivors = artifact_ids(&sim);
    assert_eq!(survivors.len(), ARTIFACTS - 5);
    let unique: HashSet<i64> = listed.iter().copied().collect();
    assert_eq!(unique.len(), listed.len(), "an item came twice");
    assert!(unique.is_subset(&ids), "an item that was never there");
    let skipped: Vec<&i64> = survivors.difference(&unique).collect();
    assert!(skipped.is_empty(), "survivors skipped: {skipped:?}");
    // Every deletion was of an item listed already, so all 1,000 came.
    assert_eq!(listed.len(), ARTIFACTS);

    // Each page that showed a lower total was read again: more requests than a quiet run.
    let made = requests(&sim);
    println!(
        "with 5 deletions: {} items listed, {made} requests (fewest possible without deletions {})",
        listed.len(),
        fewest_requests()
    );
    assert!(
        made > 1 + ARTIFACTS / 50,
        "{made} requests: no page was read again"
    );
}

/// A hedged attempt dropped because the first one answered did not time out: the page size
/// stays.
#[tokio::test(start_paused = true)]
async fn a_hedged_attempt_that_loses_does_not_halve_the_page() {
    let (sim, ids) = simulator_with(30).await;
    // 200 ms for a page of 10; a second attempt starts beside the first after 150 ms (and a
    // third would after 300 ms).
    sim.handle()
        .set_page_service_time(LIST, PageServiceTime::per_item(Duration::from_millis(20)))
        .unwrap();
    let client = client(&sim);
    client.set_attempt_timeout(None);
    client.hedge_reads(Duration::from_millis(150)).unwrap();
    let params = GetArtifactsParams {
        page_size: Some(10),
        ..Default::default()
    };
    let listed = client
        .get_artifacts_all(PROJECT, REPOSITORY, &params, None)
        .await
        .expect("the listing completes");
    let unique: HashSet<i64> = listed.iter().map(|a| a.id.expect("an id")).collect();
    assert_eq!((listed.len(), unique), (30, ids));
    // Three pages, each sent twice; only the first copy of each was answered.
    assert_eq!(requests(&sim), 6);
    assert_eq!(answered_page_sizes(&sim), vec![(200, "10".to_owned()); 3]);
}
