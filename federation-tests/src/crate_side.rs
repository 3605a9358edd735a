//! The activitypub_federation crate doing the same work as Trellis, for the
//! benchmarks to compare against in the same run: its inbox path with
//! nothing stored (verify only), and its signed sender.

use activitypub_federation::{
    activity_sending::SendActivityTask,
    axum::inbox::{ActivityData, receive_activity},
    config::{Data, FederationConfig},
    error::Error,
    traits::{Activity, Actor, Object},
};
use axum::{Router, extract::State, http::StatusCode, routing::post};
use serde::{Deserialize, Serialize};
use std::{collections::HashMap, sync::Arc};
use url::Url;

/// Public keys by actor id: the actors the bench signs as, known in
/// advance, as a server that has seen them before knows them.
#[derive(Clone, Default)]
pub struct Keys(pub Arc<HashMap<String, String>>);

#[derive(Debug)]
pub struct KnownActor {
    id: Url,
    public_key_pem: String,
    private_key_pem: Option<String>,
}

impl KnownActor {
    /// An actor that signs with `private_key_pem` (for the sender).
    pub fn signing(id: Url, public_key_pem: String, private_key_pem: String) -> KnownActor {
        KnownActor {
            id,
            public_key_pem,
            private_key_pem: Some(private_key_pem),
        }
    }
}

#[async_trait::async_trait]
impl Object for KnownActor {
    type DataType = Keys;
    type Kind = serde_json::Value;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(id: Url, data: &Data<Keys>) -> Result<Option<Self>, Error> {
        Ok(data.0.get(id.as_str()).map(|pem| KnownActor {
            id: id.clone(),
            public_key_pem: pem.clone(),
            private_key_pem: None,
        }))
    }

    async fn into_json(self, _: &Data<Keys>) -> Result<serde_json::Value, Error> {
        Err(Error::NotFound)
    }

    async fn verify(_: &serde_json::Value, _: &Url, _: &Data<Keys>) -> Result<(), Error> {
        Ok(())
    }

    async fn from_json(_: serde_json::Value, _: &Data<Keys>) -> Result<Self, Error> {
        // Every actor is known in advance; an unknown one is refused.
        Err(Error::NotFound)
    }
}

impl Actor for KnownActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        self.private_key_pem.clone()
    }

    fn inbox(&self) -> Url {
        self.id.clone()
    }
}

/// Any activity, taken as it comes: the crate checks its id, its actor,
/// the digest and the signature; nothing is stored.
#[derive(Debug, Serialize, Deserialize)]
pub struct AnyActivity {
    id: Url,
    actor: Url,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

impl AnyActivity {
    /// `value` (an activity with `id` and `actor`) as the crate sends it.
    pub fn of(value: serde_json::Value) -> AnyActivity {
        serde_json::from_value(value).expect("an activity with an id and an actor")
    }
}

#[async_trait::async_trait]
impl Activity for AnyActivity {
    type DataType = Keys;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _: &Data<Keys>) -> Result<(), Error> {
        Ok(())
    }

    async fn receive(self, _: &Data<Keys>) -> Result<(), Error> {
        Ok(())
    }
}

/// The crate's configuration for a bench: plain HTTP on loopback allowed.
pub async fn config(domain: &str, keys: Keys) -> FederationConfig<Keys> {
    FederationConfig::builder()
        .domain(domain)
        .app_data(keys)
        .debug(true)
        .build()
        .await
        .expect("the crate's configuration")
}

async fn inbox(State(config): State<FederationConfig<Keys>>, activity: ActivityData) -> StatusCode {
    let data = config.to_request_data();
    match receive_activity::<AnyActivity, KnownActor, Keys>(activity, &data).await {
        Ok(()) => StatusCode::ACCEPTED,
        Err(_) => StatusCode::UNAUTHORIZED,
    }
}

/// Serves the crate's verify-only inbox at `/inbox` on `listener` until the
/// process ends.
pub async fn serve_inbox(listener: tokio::net::TcpListener, keys: Keys) {
    let config = config("crate.invalid", keys).await;
    let router = Router::new()
        .route("/inbox", post(inbox))
        .with_state(config);
    axum::serve(listener, router)
        .await
        .expect("the crate's inbox");
}

/// The crate's tasks sending `activity` as `actor` to each of `inboxes`.
pub async fn send_tasks(
    config: &FederationConfig<Keys>,
    activity: &AnyActivity,
    actor: &KnownActor,
    inboxes: Vec<Url>,
) -> Vec<SendActivityTask> {
    SendActivityTask::prepare(activity, actor, inboxes, &config.to_request_data())
        .await
        .expect("the crate prepares its deliveries")
}
