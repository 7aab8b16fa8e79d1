//! Request bodies read as bytes and parsed here, so every way a body can be
//! wrong — too large, the wrong media type, not JSON, an unknown or missing
//! field — is answered as a problem naming what was expected, never as the
//! framework's plain-text rejection.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// The raw body of a request, within the size limit.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "the request body is larger than this server accepts")
            } else {
                Problem::bad_input("body: a readable request body")
            }
        })?;
        Ok(Body(bytes))
    }
}

/// A JSON body of type `T`; `T` should deny unknown fields, so that nobody
/// can set an id, an author or a role by adding it to a body.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
        if !json {
            return Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the body as `Content-Type: application/json`"));
        }
        let Body(bytes) = Body::from_request(request, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Parses JSON, naming the field at fault the way serde sees it.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(bytes).map_err(|e| {
        // serde's message names the field (`unknown field `role``, `missing field `name``); drop the position.
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        Problem::bad_input(format!("body: {message}"))
    })
}

/// An `application/x-www-form-urlencoded` body as ordered pairs (repeated
/// keys kept, as checkboxes send them).
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    pub fn text(&self, key: &str) -> String {
        self.get(key).map(str::trim).unwrap_or_default().to_string()
    }

    pub fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| v == "true" || v == "on")
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Body(bytes) = Body::from_request(request, state).await?;
        Ok(Form(form_urlencoded::parse(&bytes).into_owned().collect()))
    }
}

/// Query parameters of type `T`, refused as a problem naming the parameter.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query).map(Query).map_err(|e| Problem::bad_input(format!("query: {e}")))
    }
}

/// Path parameters of type `T`, refused as a problem (e.g. a non-numeric entry).
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> axum::extract::FromRequestParts<S> for Path<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Checked before anything is parsed, audited or echoed: one request
        // must not be able to write kilobytes into the permanent log.
        let raw =
            axum::extract::RawPathParams::from_request_parts(parts, state).await.map_err(|_| Problem::bad_input("path: a valid path"))?;
        for (name, value) in &raw {
            check_id(name, value)?;
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e| Problem::bad_input(format!("path: {}", e.body_text())))
    }
}

/// The longest id (or team name) a path or body may carry.
pub const MAX_ID_LEN: usize = 64;

/// An id as the vault makes them: 1 to 64 letters, digits, `-`, `_`, `.`
/// (and spaces, for team names). The refusal names the field, never the value.
pub fn check_id(field: &str, value: &str) -> Result<(), Problem> {
    let ok = !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '));
    if ok { Ok(()) } else { Err(Problem::bad_input(format!("{field}: an id of 1 to {MAX_ID_LEN} letters, digits, `-`, `_` or `.`"))) }
}
