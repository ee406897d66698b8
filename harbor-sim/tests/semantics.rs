//! Scratch.
use harbor_sim::Simulator;

#[tokio::test]
async fn scratch() {
    let sim = Simulator::start().await.unwrap();
    let c = reqwest::Client::new();
    for p in [
        "/system/scanAll/schedule",
        "/system/gc/schedule",
        "/system/gc",
        "/configurations",
    ] {
        let r = c
            .get(format!("{}{p}", sim.api_url()))
            .basic_auth("admin", Some("Harbor12345"))
            .send()
            .await
            .unwrap();
        eprintln!("{p} {} {}", r.status(), r.text().await.unwrap());
    }
}
