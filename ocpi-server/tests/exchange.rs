//! Two platforms on 127.0.0.1 register with each other over HTTP, in both directions, and
//! one pulls the other's locations page by page through the client.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Locations, Tokens, location, role};
use ocpi_server::{
    Access, ClientConfig, ClientError, MemoryStore, OcpiClient, OcpiServer, PartnerStore,
    RegistrationError, ServerConfig, TenantKey, client::NoData, generate_token,
};
use ocpi_types::common::{PageRequest, StatusCode, TokenEncoding};
use ocpi_types::v221::{Credentials, InterfaceRole, Location, Role, Token, VersionNumber};

struct Platform {
    server: OcpiServer,
    store: Arc<MemoryStore>,
    url: String,
}

/// Serves a platform on a free port of 127.0.0.1.
async fn platform(roles: Vec<ocpi_types::v221::CredentialsRole>, cpo: bool) -> Platform {
    platform_with(roles, cpo, |_| {}).await
}

/// Serves a platform on a free port of 127.0.0.1, with `adjust` applied to its
/// configuration.
async fn platform_with(
    roles: Vec<ocpi_types::v221::CredentialsRole>,
    cpo: bool,
    adjust: impl FnOnce(&mut ServerConfig),
) -> Platform {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ocpi", listener.local_addr().unwrap());
    let store = Arc::new(MemoryStore::new());
    let mut config = ServerConfig::new(url.clone(), roles);
    config.max_page_size = 3;
    adjust(&mut config);
    let mut client = ClientConfig::default();
    client.timeout = Duration::from_secs(5);
    client.initial_backoff = Duration::from_millis(10);
    let mut server = OcpiServer::new(config, store.clone())
        .unwrap()
        .with_client(OcpiClient::new(client).unwrap());
    if cpo {
        server = server
            .with_locations(Arc::new(Locations((0..8).map(location).collect())))
            .with_tokens(Arc::new(Tokens::default()));
    }
    let app = axum::Router::new().nest("/ocpi", server.router());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Platform { server, store, url }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_both_ways_and_pull_locations() {
    let cpo = platform(vec![role(Role::Cpo, "NL", "CPO")], true).await;
    let emsp = platform(vec![role(Role::Emsp, "NL", "TNM")], false).await;

    // The CPO gives the eMSP a token A out of band; the eMSP registers (sender role), the
    // CPO takes the credentials (receiver role) and calls the eMSP back.
    let token_a = generate_token().unwrap();
    let cpo_tenant = TenantKey("cpo-tenant".into());
    let tnm_on_cpo = cpo.store.add_partner(&cpo_tenant, Some(&token_a));
    // The eMSP's admin created the CPO as a partner, without a token A of its own.
    let emsp_tenant = TenantKey("emsp-tenant".into());
    let cpo_on_emsp = emsp.store.add_partner(&emsp_tenant, None);
    let registered = emsp
        .server
        .register_with(&cpo_on_emsp, &format!("{}/versions", cpo.url), &token_a)
        .await
        .unwrap();
    assert_eq!(registered.caller.partner, cpo_on_emsp.partner);
    assert_eq!(registered.version, VersionNumber::V2_2_1);
    assert_eq!(registered.auth.encoding, TokenEncoding::Base64);
    assert_eq!(registered.caller.access, Access::Registered);
    assert_eq!(registered.caller.parties[0].party_id.as_str(), "CPO");
    let locations_url = registered
        .endpoint("locations", Some(InterfaceRole::Sender))
        .unwrap()
        .to_owned();
    assert_eq!(locations_url, format!("{}/2.2.1/locations", cpo.url));

    // The CPO's side: the eMSP is registered, with its token B and its parties.
    let partners = cpo.store.partners();
    assert_eq!(partners.len(), 1);
    assert_eq!(partners[0].partner, tnm_on_cpo.partner);
    assert_eq!(partners[0].access, Access::Registered);
    assert_eq!(partners[0].tenant, cpo_tenant);
    assert!(partners[0].owns("nl", "tnm"));
    let on_cpo = cpo.store.registration(&partners[0].partner).unwrap();
    assert_eq!(on_cpo.versions_url, format!("{}/versions", emsp.url));
    assert!(on_cpo.endpoints.iter().any(|e| e.module == "credentials"));
    // Token A is spent.
    assert!(cpo.store.authenticate(&token_a).await.unwrap().is_none());

    // The eMSP pulls every location, following Link over three pages of three.
    let client = emsp.server.client();
    let all: Vec<Location> = client
        .get_all(&locations_url, &registered.auth, &PageRequest::default())
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "LOC0", "LOC1", "LOC2", "LOC3", "LOC4", "LOC5", "LOC6", "LOC7"
        ]
    );
    let page = client
        .get_page::<Location>(&format!("{locations_url}?offset=6"), &registered.auth)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.headers.total_count, Some(8));
    assert_eq!(page.headers.limit, Some(3));
    assert_eq!(page.headers.next, None);

    // The eMSP pushes a token to the CPO.
    let token: Token = serde_json::from_value(common::token_json("NL", "TNM", "042")).unwrap();
    let tokens_url = registered.endpoint("tokens", None).unwrap();
    client
        .put::<_, NoData>(
            &format!("{tokens_url}/NL/TNM/042"),
            &registered.auth,
            &token,
        )
        .await
        .unwrap();
    let back: Token = client
        .get(&format!("{tokens_url}/NL/TNM/042"), &registered.auth)
        .await
        .unwrap();
    assert_eq!(back.uid.as_str(), "042");
    let foreign = client
        .put::<_, NoData>(
            &format!("{tokens_url}/DE/XYZ/042"),
            &registered.auth,
            &token,
        )
        .await
        .unwrap_err();
    assert_eq!(
        foreign.status_code(),
        Some(StatusCode::InvalidOrMissingParameters)
    );

    // The other direction: the eMSP gives the CPO a token A; the CPO registers with it.
    // A second connection, with partner entries of its own on both sides.
    let token_a2 = generate_token().unwrap();
    emsp.store.add_partner(&emsp_tenant, Some(&token_a2));
    let tnm_again = cpo.store.add_partner(&cpo_tenant, None);
    let back_registered = cpo
        .server
        .register_with(&tnm_again, &format!("{}/versions", emsp.url), &token_a2)
        .await
        .unwrap();
    assert_eq!(back_registered.caller.partner, tnm_again.partner);
    assert_eq!(back_registered.caller.parties[0].party_id.as_str(), "TNM");
    assert_eq!(
        back_registered.endpoint("credentials", None),
        Some(format!("{}/2.2.1/credentials", emsp.url).as_str())
    );
    let theirs: Credentials = client
        .get(&format!("{}/2.2.1/credentials", cpo.url), &registered.auth)
        .await
        .unwrap();
    assert_eq!(theirs.roles[0].party_id.as_str(), "CPO");

    // Updating the credentials (PUT, as sender) gives new tokens both ways; the old
    // token C stops working.
    let cpo_credentials_url = registered.endpoint("credentials", None).unwrap().to_owned();
    let updated = emsp.server.update_credentials(&registered).await.unwrap();
    assert_ne!(updated.auth.token, registered.auth.token);
    let old = client
        .get::<Credentials>(&cpo_credentials_url, &registered.auth)
        .await
        .unwrap_err();
    assert!(old.is_unauthorized(), "{old}");
    let new_auth = updated.auth.clone();
    let again: Credentials = client.get(&cpo_credentials_url, &new_auth).await.unwrap();
    assert_eq!(again.token.as_str(), new_auth.token.as_str());
    // The CPO calls the eMSP with the new token B.
    let on_cpo = cpo.store.registration(&tnm_on_cpo.partner).unwrap();
    assert!(
        emsp.store
            .authenticate(&on_cpo.their_token)
            .await
            .unwrap()
            .is_some()
    );
    let mut ours = Credentials {
        token: "another".into(),
        url: format!("{}/versions", emsp.url).as_str().into(),
        roles: vec![role(Role::Emsp, "NL", "TNM")],
    };
    // A second POST by the registered eMSP: 405.
    ours.token = "another-one".into();
    let second = client
        .post::<_, Credentials>(&cpo_credentials_url, &new_auth, &ours)
        .await
        .unwrap_err();
    assert_eq!(second.http_status(), Some(405));
    // Unregistering (DELETE) closes the connection.
    client
        .delete::<NoData>(&cpo_credentials_url, &new_auth)
        .await
        .unwrap();
    let closed = client
        .get::<Credentials>(&cpo_credentials_url, &new_auth)
        .await
        .unwrap_err();
    assert!(closed.is_unauthorized());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_errors_name_the_step() {
    let emsp = platform(vec![role(Role::Emsp, "NL", "TNM")], false).await;
    let cpo = platform(vec![role(Role::Cpo, "NL", "CPO")], true).await;
    let cpo_on_emsp = emsp
        .store
        .add_partner(&TenantKey("t".into()), Some("our-token-a"));
    // Nobody listens: step 1, a transport error.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/versions", closed.local_addr().unwrap());
    drop(closed);
    let error = emsp
        .server
        .register_with(&cpo_on_emsp, &dead, "x")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RegistrationError::Versions(ClientError::Transport { .. })
        ),
        "{error}"
    );
    // A token A the CPO does not know: step 1, 401.
    let error = emsp
        .server
        .register_with(
            &cpo_on_emsp,
            &format!("{}/versions", cpo.url),
            "not-a-token",
        )
        .await
        .unwrap_err();
    match error {
        RegistrationError::Versions(e) => assert!(e.is_unauthorized()),
        other => panic!("{other}"),
    }
    // The partner is as it was: its token A still works, no token B was issued.
    assert_eq!(emsp.store.partners(), std::slice::from_ref(&cpo_on_emsp));
    assert_eq!(
        emsp.store.authenticate("our-token-a").await.unwrap(),
        Some(cpo_on_emsp)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_b_the_partner_refuses_is_withdrawn() {
    // The CPO wants a CDRs endpoint the eMSP does not have: it refuses the credentials.
    let cpo = platform_with(vec![role(Role::Cpo, "NL", "CPO")], true, |config| {
        config.required_modules = vec!["cdrs".to_owned()];
    })
    .await;
    let emsp = platform(vec![role(Role::Emsp, "NL", "TNM")], false).await;
    cpo.store
        .add_partner(&TenantKey("cpo-tenant".into()), Some("token-a-of-the-cpo"));
    // The eMSP's entry of the CPO had a token A of the eMSP's, never used.
    let cpo_on_emsp = emsp
        .store
        .add_partner(&TenantKey("t".into()), Some("token-a-of-the-emsp"));
    let error = emsp
        .server
        .register_with(
            &cpo_on_emsp,
            &format!("{}/versions", cpo.url),
            "token-a-of-the-cpo",
        )
        .await
        .unwrap_err();
    match &error {
        RegistrationError::Post(e) => assert_eq!(
            e.status_code(),
            Some(StatusCode::NoMatchingEndpoints),
            "{e}"
        ),
        other => panic!("{other}"),
    }
    // The partner stays, without a token: neither its token A (replaced by token B) nor
    // token B (withdrawn) works.
    let partners = emsp.store.partners();
    assert_eq!(partners.len(), 1);
    assert_eq!(partners[0].partner, cpo_on_emsp.partner);
    assert_eq!(partners[0].access, Access::Registration);
    assert!(emsp.store.registration(&cpo_on_emsp.partner).is_none());
    assert!(
        emsp.store
            .authenticate("token-a-of-the-emsp")
            .await
            .unwrap()
            .is_none()
    );
}
