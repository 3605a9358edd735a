//! Notes on other servers, and the objects shown as notes (Question,
//! Article, Page, Video, Audio, Image, Event).

use super::{
    super::{Data, intake},
    ApubActor,
};
use crate::{
    db::models::{Account, Status},
    domain::{inbound, remote_objects, statuses as local_statuses},
    error::{Error, Result},
    protocol::{self, same_origin},
};
use activitypub_federation::{fetch::object_id::ObjectId, traits::Object};
use std::{collections::HashSet, sync::Mutex};
use url::Url;

tokio::task_local! {
    /// The ids of the notes being prepared in this chain of replies, so a
    /// parent already on the way (a note replying to itself, or a loop of
    /// replies a server made up) is not fetched again.
    static CHAIN: Mutex<HashSet<String>>;
}

#[derive(Debug, Clone)]
pub struct ApubNote {
    pub status: Status,
    id: Url,
}

impl ApubNote {
    fn new(status: Status) -> Result<ApubNote> {
        let id = Url::parse(&status.ap_id)
            .map_err(|e| Error::Internal(format!("stored status id: {e}")))?;
        Ok(ApubNote { status, id })
    }
}

/// Ancestors fetched for one incoming reply, at most: enough context for a
/// conversation, and well inside the per-request fetch limit.
const MAX_ANCESTOR_FETCHES: u32 = 8;

/// A note must come from its author's server and name that author.
pub fn check_note_json(note: &protocol::Note, fetched_from: &Url) -> Result<()> {
    if !remote_objects::shown_as_status(&note.kind) {
        return Err(Error::BadRequest(format!(
            "{} is a {}, not a note",
            note.id, note.kind
        )));
    }
    if !same_origin(&note.id, fetched_from) {
        return Err(Error::BadRequest(format!(
            "note {} is on a different server than its source",
            note.id
        )));
    }
    if !same_origin(&note.attributed_to, &note.id) {
        return Err(Error::BadRequest(format!(
            "note {} is attributed to an actor on another server",
            note.id
        )));
    }
    Ok(())
}

/// Resolves what a verified note refers to: its author (fetched if needed),
/// the status it replies to (fetched if possible, within the request's fetch
/// budget, and never twice in one chain of parents), and the known accounts
/// it mentions.
pub async fn prepare(note: protocol::Note, data: &Data) -> Result<inbound::IncomingNote> {
    if CHAIN.try_with(|_| ()).is_ok() {
        prepare_in_chain(note, data).await
    } else {
        CHAIN
            .scope(Mutex::default(), prepare_in_chain(note, data))
            .await
    }
}

async fn prepare_in_chain(note: protocol::Note, data: &Data) -> Result<inbound::IncomingNote> {
    let in_chain = |id: &Url, add: bool| {
        CHAIN.with(|chain| {
            let mut chain = chain
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if add {
                !chain.insert(id.to_string())
            } else {
                chain.contains(id.as_str())
            }
        })
    };
    in_chain(&note.id, true);
    let author = ObjectId::<ApubActor>::from(note.attributed_to.clone())
        .dereference(data)
        .await?
        .account;
    let parent = match &note.in_reply_to {
        Some(parent_id)
            if data.request_count() >= MAX_ANCESTOR_FETCHES || in_chain(parent_id, false) =>
        {
            inbound::status_by_ap_id(data, parent_id.as_str()).await?
        }
        Some(parent_id) => match ObjectId::<ApubNote>::from(parent_id.clone())
            .dereference(data)
            .await
        {
            Ok(parent) => Some(parent.status),
            Err(error) => {
                tracing::info!(parent = %parent_id, %error, "reply parent unavailable; storing without it");
                None
            }
        },
        None => None,
    };
    // The quoted post, like a parent: fetched within the budget, and left
    // unknown (named by its id) when it cannot be had.
    let quoted = match note.quoted() {
        Some(quoted_id)
            if data.request_count() >= MAX_ANCESTOR_FETCHES || in_chain(quoted_id, false) =>
        {
            inbound::status_by_ap_id(data, quoted_id.as_str()).await?
        }
        Some(quoted_id) => match ObjectId::<ApubNote>::from(quoted_id.clone())
            .dereference(data)
            .await
        {
            Ok(quoted) => Some(quoted.status),
            Err(error) => {
                tracing::info!(quoted = %quoted_id, %error, "quoted post unavailable; storing without it");
                None
            }
        },
        None => None,
    };
    let mut mentioned: Vec<Account> = Vec::new();
    for tag in note.tag.iter().filter(|t| t.kind == "Mention") {
        let Some(href) = &tag.href else { continue };
        if let Some(account) = inbound::account_by_ap_id(data, href.as_str()).await? {
            mentioned.push(account);
        }
    }
    Ok(inbound::IncomingNote {
        note,
        author,
        parent,
        quoted,
        mentioned,
    })
}

#[async_trait::async_trait]
impl Object for ApubNote {
    type DataType = crate::domain::Context;
    type Kind = protocol::Note;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(object_id: Url, data: &Data) -> Result<Option<Self>> {
        inbound::status_by_ap_id(data, object_id.as_str())
            .await?
            .map(ApubNote::new)
            .transpose()
    }

    async fn into_json(self, data: &Data) -> Result<protocol::Note> {
        local_statuses::note_of(data, self.status.id).await
    }

    async fn verify(json: &protocol::Note, expected_domain: &Url, _data: &Data) -> Result<()> {
        check_note_json(json, expected_domain)
    }

    async fn from_json(json: protocol::Note, data: &Data) -> Result<Self> {
        let mut json = intake::without_nul(json)?;
        intake::admit_note(&mut json)?;
        let incoming = Box::pin(prepare(json, data)).await?;
        ApubNote::new(inbound::store_fetched_note(data, incoming).await?)
    }
}
