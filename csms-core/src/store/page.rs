//! Paging of lists: which slice of a list to read, and the slice with the list's size.

use serde::{Deserialize, Serialize};

/// A slice of a list: skip `offset` items, read at most `limit` (at most
/// [`Page::MAX_LIMIT`]; more is read as the maximum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// How many items to skip.
    pub offset: u64,
    /// How many items to read at most.
    pub limit: u32,
}

impl Page {
    /// The most items one page holds.
    pub const MAX_LIMIT: u32 = 500;

    /// The first `limit` items.
    pub const fn first(limit: u32) -> Page {
        Page { offset: 0, limit }
    }

    /// The limit as applied: at most [`Page::MAX_LIMIT`].
    pub fn capped_limit(&self) -> u32 {
        self.limit.min(Page::MAX_LIMIT)
    }

    /// The offset and capped limit as SQL binds (`OFFSET`, `LIMIT`).
    pub(crate) fn binds(&self) -> (i64, i64) {
        (
            i64::try_from(self.offset).unwrap_or(i64::MAX),
            i64::from(self.capped_limit()),
        )
    }
}

impl Default for Page {
    /// The first 50 items.
    fn default() -> Page {
        Page::first(50)
    }
}

/// One page of a list, and how many items the whole list has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged<T> {
    /// The items of the page, in the list's order.
    pub items: Vec<T>,
    /// How many items the list has, on every page.
    pub total: u64,
}

impl<T> Paged<T> {
    /// The page with these items of a list of `total`.
    pub fn new(items: Vec<T>, total: u64) -> Paged<T> {
        Paged { items, total }
    }

    /// The same page with every item changed by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
        }
    }
}
