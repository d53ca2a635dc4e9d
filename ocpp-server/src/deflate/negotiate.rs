//! The `Sec-WebSocket-Extensions` negotiation of permessage-deflate (RFC 7692 section 7.1),
//! for both ends, without I/O.
//!
//! Our compressor (miniz_oxide) always uses a 32 KiB window: we cannot compress with a
//! smaller one, so an offer with `server_max_window_bits` below 15 is declined, and our client
//! never offers `client_max_window_bits`. Decompression handles every window size.

/// The extension's name.
pub(crate) const NAME: &str = "permessage-deflate";

/// What both ends agreed for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Agreed {
    /// The server starts every message with an empty compression context.
    pub(crate) server_no_context_takeover: bool,
    /// The client starts every message with an empty compression context.
    pub(crate) client_no_context_takeover: bool,
    /// `server_max_window_bits`, when the answer names it.
    pub(crate) server_max_window_bits: Option<u8>,
}

impl Agreed {
    /// The value of the server's `Sec-WebSocket-Extensions` answer.
    pub(crate) fn header(&self) -> String {
        let mut header = NAME.to_owned();
        if self.server_no_context_takeover {
            header.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            header.push_str("; client_no_context_takeover");
        }
        if let Some(bits) = self.server_max_window_bits {
            header.push_str(&format!("; server_max_window_bits={bits}"));
        }
        header
    }
}

/// One element of an extension list: a name and its parameters, values unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Element {
    name: String,
    params: Vec<(String, Option<String>)>,
}

/// Reads the elements of `Sec-WebSocket-Extensions` header values (RFC 6455 section 9.1):
/// `None` when the syntax is wrong.
fn elements<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Vec<Element>> {
    let mut list = Vec::new();
    for value in values {
        for item in split_outside_quotes(value, b',')? {
            if item.trim().is_empty() {
                continue;
            }
            let mut parts = split_outside_quotes(item, b';')?.into_iter();
            let name = parts.next().map(str::trim).filter(|name| is_token(name))?;
            let mut params = Vec::new();
            for part in parts {
                let (key, value) = match part.split_once('=') {
                    Some((key, value)) => (key.trim(), Some(unquote(value.trim())?)),
                    None => (part.trim(), None),
                };
                if !is_token(key) {
                    return None;
                }
                params.push((key.to_ascii_lowercase(), value));
            }
            list.push(Element {
                name: name.to_ascii_lowercase(),
                params,
            });
        }
    }
    Some(list)
}

fn split_outside_quotes(text: &str, separator: u8) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, byte) in text.bytes().enumerate() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            _ if byte == separator && !quoted => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return None;
    }
    parts.push(&text[start..]);
    Some(parts)
}

fn unquote(value: &str) -> Option<String> {
    let Some(inner) = value.strip_prefix('"') else {
        return is_token(value).then(|| value.to_owned());
    };
    let inner = inner.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next()? } else { c });
    }
    Some(out)
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The parameters of one permessage-deflate offer or answer.
#[derive(Debug, Default)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: present without a value (allowed in offers only).
    client_max_window_bits: Option<Option<u8>>,
}

/// Reads the parameters: `None` for an unknown or repeated parameter or a wrong value.
fn params(element: &Element) -> Option<Params> {
    let mut params = Params::default();
    let bits = |value: &Option<String>| {
        value
            .as_deref()
            .and_then(|v| v.parse::<u8>().ok())
            .filter(|bits| (8..=15).contains(bits))
    };
    for (key, value) in &element.params {
        match key.as_str() {
            "server_no_context_takeover" if value.is_none() => {
                if std::mem::replace(&mut params.server_no_context_takeover, true) {
                    return None;
                }
            }
            "client_no_context_takeover" if value.is_none() => {
                if std::mem::replace(&mut params.client_no_context_takeover, true) {
                    return None;
                }
            }
            "server_max_window_bits" if params.server_max_window_bits.is_none() => {
                params.server_max_window_bits = Some(bits(value)?);
            }
            "client_max_window_bits" if params.client_max_window_bits.is_none() => {
                let bits = match value {
                    None => None,
                    Some(_) => Some(bits(value)?),
                };
                params.client_max_window_bits = Some(bits);
            }
            _ => return None,
        }
    }
    Some(params)
}

/// The server's choice among a client's offers (the values of every
/// `Sec-WebSocket-Extensions` header of the request): the first permessage-deflate offer we
/// can honour, or `None` (the connection is then not compressed).
///
/// Offers with unknown parameters, repeated parameters or wrong values are declined, as RFC
/// 7692 section 7.1 asks, and so are offers limiting our window below 32 KiB. Without
/// `context_takeover`, the answer asks both ends to reset their context after every message.
pub(crate) fn server_accept<'a>(
    offers: impl IntoIterator<Item = &'a str>,
    context_takeover: bool,
) -> Option<Agreed> {
    elements(offers)?
        .iter()
        .filter(|element| element.name == NAME)
        .filter_map(params)
        .find(|offer| offer.server_max_window_bits.is_none_or(|bits| bits == 15))
        .map(|offer| Agreed {
            server_no_context_takeover: offer.server_no_context_takeover || !context_takeover,
            client_no_context_takeover: offer.client_no_context_takeover || !context_takeover,
            server_max_window_bits: offer.server_max_window_bits,
        })
}

/// The client's offer: without `context_takeover`, first an offer asking both ends to reset
/// their context after every message, then a plain one for servers that refuse that.
pub(crate) fn client_offer(context_takeover: bool) -> String {
    if context_takeover {
        NAME.to_owned()
    } else {
        format!("{NAME}; server_no_context_takeover; client_no_context_takeover, {NAME}")
    }
}

/// Checks the server's answer to [`client_offer`] (the values of its
/// `Sec-WebSocket-Extensions` headers): `Ok(None)` when it declined compression, or why the
/// answer is not acceptable (the connection must then fail).
pub(crate) fn client_check<'a>(
    answer: impl IntoIterator<Item = &'a str>,
) -> Result<Option<Agreed>, String> {
    let list = elements(answer).ok_or("malformed Sec-WebSocket-Extensions answer")?;
    let element = match list.as_slice() {
        [] => return Ok(None),
        [element] if element.name == NAME => element,
        _ => return Err(format!("extensions not offered: {list:?}")),
    };
    let params = params(element).ok_or("bad permessage-deflate parameters in the answer")?;
    if params.client_max_window_bits.is_some() {
        return Err("client_max_window_bits was not offered".to_owned());
    }
    Ok(Some(Agreed {
        server_no_context_takeover: params.server_no_context_takeover,
        client_no_context_takeover: params.client_no_context_takeover,
        server_max_window_bits: params.server_max_window_bits,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESET: Agreed = Agreed {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        server_max_window_bits: None,
    };

    fn answer(offer: &str) -> Option<String> {
        server_accept([offer], false).map(|agreed| agreed.header())
    }

    #[test]
    fn accepts_the_usual_offers_without_context_takeover() {
        let reset = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
        // Python websockets and browsers.
        assert_eq!(
            answer("permessage-deflate; client_max_window_bits").as_deref(),
            Some(reset)
        );
        assert_eq!(answer("permessage-deflate").as_deref(), Some(reset));
        assert_eq!(answer("Permessage-Deflate").as_deref(), Some(reset));
        assert_eq!(
            answer("permessage-deflate; client_no_context_takeover; server_no_context_takeover")
                .as_deref(),
            Some(reset)
        );
        // A client announcing its window: nothing to answer about it.
        assert_eq!(
            answer("permessage-deflate; client_max_window_bits=10").as_deref(),
            Some(reset)
        );
        assert_eq!(
            answer("permessage-deflate; client_max_window_bits=\"12\"").as_deref(),
            Some(reset)
        );
        // A full window for us can be honoured, and must be echoed.
        assert_eq!(
            server_accept(["permessage-deflate; server_max_window_bits=15"], false),
            Some(Agreed {
                server_max_window_bits: Some(15),
                ..RESET
            })
        );
    }

    #[test]
    fn keeps_the_context_when_configured_and_allowed() {
        let offer = "permessage-deflate; client_max_window_bits";
        let agreed = server_accept([offer], true).unwrap();
        assert_eq!(agreed.header(), "permessage-deflate");
        // The client may still ask for a reset on our side; it is honoured.
        let agreed = server_accept(["permessage-deflate; server_no_context_takeover"], true);
        assert_eq!(
            agreed.unwrap().header(),
            "permessage-deflate; server_no_context_takeover"
        );
    }

    #[test]
    fn declines_what_it_cannot_honour_and_takes_the_next_offer() {
        // Unknown parameter, small window for us, bad values, repeats: declined.
        for offer in [
            "permessage-deflate; foo",
            "permessage-deflate; server_max_window_bits=10",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "x-webkit-deflate-frame",
            "",
        ] {
            assert_eq!(answer(offer), None, "{offer}");
        }
        // Several offers, in one header or in several: the first acceptable one.
        let offers = "permessage-deflate; server_max_window_bits=10, \
                      permessage-deflate; client_max_window_bits=12";
        assert!(answer(offers).is_some());
        let agreed = server_accept(
            [
                "x-other; a=1",
                "permessage-deflate; foo=\"a,b\", permessage-deflate",
            ],
            true,
        );
        assert_eq!(agreed.unwrap().header(), "permessage-deflate");
        // Broken syntax: no compression rather than a guess.
        assert_eq!(answer("permessage-deflate; x=\"open"), None);
        assert_eq!(answer("; client_max_window_bits"), None);
    }

    #[test]
    fn the_client_offers_and_checks_the_answer() {
        assert_eq!(
            client_offer(false),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover, \
             permessage-deflate"
        );
        assert_eq!(client_offer(true), "permessage-deflate");
        // Our server's answer to our offer.
        let ours = server_accept([client_offer(false).as_str()], false).unwrap();
        assert_eq!(client_check([ours.header().as_str()]), Ok(Some(ours)));
        assert_eq!(client_check([]), Ok(None));
        assert_eq!(
            client_check(["permessage-deflate; server_max_window_bits=10"]),
            Ok(Some(Agreed {
                server_no_context_takeover: false,
                client_no_context_takeover: false,
                server_max_window_bits: Some(10),
            }))
        );
        for wrong in [
            "permessage-deflate; client_max_window_bits=10",
            "permessage-deflate; foo",
            "permessage-deflate, permessage-deflate",
            "x-other",
            "permessage-deflate; server_max_window_bits=\"",
        ] {
            assert!(client_check([wrong]).is_err(), "{wrong}");
        }
    }
}
