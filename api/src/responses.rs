//! Success answers with a status other than 200.

use actix_web::body::BoxBody;
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;

/// `202 Accepted` with a JSON body: the request was taken and continues elsewhere (a mail).
#[derive(Debug)]
pub struct Accepted<T>(pub T);

impl<T: Serialize> Responder for Accepted<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Accepted().json(self.0)
    }
}

/// `204 No Content`.
#[derive(Debug)]
pub struct NoContent;

impl Responder for NoContent {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::NoContent().finish()
    }
}

/// `201 Created` with a `Location` and a JSON body.
#[derive(Debug)]
pub struct Created<T> {
    /// Where the new resource lives.
    pub location: String,
    /// Its representation.
    pub body: T,
}

impl<T: Serialize> Responder for Created<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Created()
            .insert_header((actix_web::http::header::LOCATION, self.location))
            .json(self.body)
    }
}
