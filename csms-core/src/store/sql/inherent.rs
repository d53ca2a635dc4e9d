//! What the store types have besides the traits.

/// Implements the inherent methods of [`sql_store!`](super::sql_store) for a store type.
macro_rules! inherent {
    ($store:ident, $row:ty) => {
        impl $store {
            /// The sqlx pool the store writes through, for what the store traits do not
            /// cover. On SQLite it is the store's one writing connection: hold it
            /// briefly, since every write waits for it.
            pub fn pool(&self) -> &sqlx::Pool<<$row as sqlx::Row>::Database> {
                &self.pool
            }
        }
    };
}

pub(crate) use inherent;
