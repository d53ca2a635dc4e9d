//! Enums of `types.asciidoc`.

ocpi_enum! {
    /// The role of a party.
    pub enum Role {
        /// Charge Point Operator.
        Cpo = "CPO",
        /// eMobility Service Provider.
        Emsp = "EMSP",
        /// Hub.
        Hub = "HUB",
        /// National Access Point.
        Nap = "NAP",
        /// Navigation Service Provider.
        Nsp = "NSP",
        /// Other role.
        Other = "OTHER",
        /// Smart Charging Service Provider.
        Scsp = "SCSP",
    }
}
