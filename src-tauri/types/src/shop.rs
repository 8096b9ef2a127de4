//! The Shop: the catalogue as customers see it (listings, each with its variants), a cart kept
//! in the portal store per customer account, delivery addresses, delivery slots with a
//! capacity, and checkout through the order path.
//!
//! A variant is a product of the procurement catalogue (its own SKU, price and stock); a
//! listing groups variants under one name, description, category and picture.

use crate::money::Cents;
use crate::orders::OrderRow;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub product_id: i64,
    pub sku: String,
    /// "M · Blue", from the attributes that are set (the product's name when none is).
    pub label: String,
    pub size: String,
    pub colour: String,
    pub weight: String,
    pub flavour: String,
    pub unit_price: Cents,
    /// As it is now.
    pub stock: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub category: String,
    pub active: bool,
    pub has_picture: bool,
    /// Only variants still sold.
    pub variants: Vec<Variant>,
    /// Rises with every save; a change names the version its form was read at.
    #[serde(default)]
    pub version: i64,
}

impl Listing {
    pub fn price_from(&self) -> Option<Cents> {
        self.variants.iter().map(|v| v.unit_price).min()
    }
    pub fn in_stock(&self) -> bool {
        self.variants.iter().any(|v| v.stock > 0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CatalogueQuery {
    /// Words searched in names and descriptions (every word must match, as a prefix);
    /// results ranked, names weighing more than descriptions.
    pub search: String,
    /// Empty: every category.
    pub category: String,
    /// Staff see retired listings too when they ask.
    pub include_inactive: bool,
    pub offset: u32,
    /// 0: the default page (60).
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CataloguePage {
    pub total: u64,
    pub rows: Vec<Listing>,
    /// Every category with an active listing, for the filter.
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingRef {
    pub id: i64,
}

/// A listing's picture, sized down when it was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Picture {
    pub mime: String,
    /// Base64 of the stored bytes (a data: URL in the window).
    pub data: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct VariantEdit {
    /// The procurement catalogue's product that is this variant.
    pub product_id: i64,
    pub size: String,
    pub colour: String,
    pub weight: String,
    pub flavour: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ListingEdit {
    /// `None` creates a listing.
    pub id: Option<i64>,
    /// The version the form was read at (required by the window's save of an existing
    /// record): a save from a stale read is refused with what changed.
    #[serde(default)]
    pub version: Option<i64>,

    pub name: String,
    pub description: String,
    pub category: String,
    pub active: bool,
    pub variants: Vec<VariantEdit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetPicture {
    pub listing_id: i64,
    /// A file the user picked (PNG, JPEG, GIF or WebP by content, at most 10 MB); stored
    /// sized down to at most 800 × 800.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: i64,
    pub listing_id: Option<i64>,
    pub name: String,
    pub variant: String,
    pub sku: String,
    pub quantity: i64,
    /// Today's price.
    pub unit_price: Cents,
    /// The price when the line was last added or changed; shown when it differs.
    pub price_when_added: Cents,
    pub stock: i64,
    pub line_total: Cents,
    /// Why this line cannot be ordered as it is (out of stock, no longer sold), if so.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    pub total: Cents,
    pub units: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartChange {
    pub product_id: i64,
    /// As typed: zero, negative, fractional or above stock is refused by name. `AddToCart`
    /// adds it to the line; `SetCartQuantity` sets the line to it.
    pub quantity: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRef {
    pub product_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    #[default]
    Home,
    Work,
    Other,
}

impl AddressKind {
    pub const ALL: [AddressKind; 3] = [AddressKind::Home, AddressKind::Work, AddressKind::Other];
    pub fn as_str(self) -> &'static str {
        match self {
            AddressKind::Home => "home",
            AddressKind::Work => "work",
            AddressKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<AddressKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            AddressKind::Home => "Home",
            AddressKind::Work => "Work",
            AddressKind::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub id: i64,
    pub kind: AddressKind,
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub postcode: String,
    /// ISO 3166 two-letter code ("IN", "GB").
    pub country: String,
    pub phone: String,
    pub is_default: bool,
    /// Rises with every save; a change names the version its form was read at.
    #[serde(default)]
    pub version: i64,
}

impl Address {
    /// One line, for a list or the confirmation.
    pub fn one_line(&self) -> String {
        [
            self.name.as_str(),
            self.line1.as_str(),
            self.line2.as_str(),
            self.city.as_str(),
            self.postcode.as_str(),
            self.country.as_str(),
        ]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AddressEdit {
    /// `None` adds an address.
    pub id: Option<i64>,
    /// The version the form was read at (required by the window's save of an existing
    /// record): a save from a stale read is refused with what changed.
    #[serde(default)]
    pub version: Option<i64>,

    pub kind: AddressKind,
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub phone: String,
    pub is_default: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRef {
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub id: i64,
    /// Unix ms, UTC.
    pub starts_at: i64,
    pub ends_at: i64,
    /// "Tue 8 Dec 2026, 10:00–12:00".
    pub label: String,
    /// Postcode prefixes served; empty serves every postcode.
    pub zones: Vec<String>,
    pub capacity: i64,
    pub booked: i64,
    pub charge: Cents,
    /// Delivery is free from this order value on.
    pub free_from: Option<Cents>,
}

impl Slot {
    pub fn room(&self) -> i64 {
        (self.capacity - self.booked).max(0)
    }
    /// The charge for an order of `subtotal`.
    pub fn charge_for(&self, subtotal: Cents) -> Cents {
        match self.free_from {
            Some(f) if subtotal >= f => 0,
            _ => self.charge,
        }
    }
}

/// A slot as typed by an admin: date `YYYY-MM-DD`, times `HH:MM` (UTC), zones as postcode
/// prefixes separated by commas or spaces (empty: everywhere), money as "12.50".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SlotEdit {
    pub date: String,
    pub from: String,
    pub to: String,
    pub zones: String,
    pub capacity: i64,
    pub charge: String,
    /// Empty: never free.
    pub free_from: String,
}

/// The same slot on the given weekdays (1 = Monday … 7 = Sunday) for `weeks` weeks from
/// `SlotEdit::date` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SlotPattern {
    pub slot: SlotEdit,
    pub weekdays: Vec<u8>,
    pub weeks: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRef {
    pub id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotsFor {
    pub address_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutChoice {
    pub address_id: i64,
    pub slot_id: i64,
}

/// What the customer confirms: the cart as it is now, the delivery and the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutReview {
    pub cart: Cart,
    pub address: Address,
    pub slot: Slot,
    pub delivery_charge: Cents,
    pub total: Cents,
    /// The same cart, address and slot give the same key on every window and device; the
    /// checkout carries it, so a repeat returns the first order instead of placing a second.
    #[serde(default)]
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkout {
    pub address_id: i64,
    pub slot_id: i64,
    /// The total the customer saw and confirmed: if a price changed since, nothing is
    /// ordered and the customer is shown the new review.
    pub expected_total: Cents,
    /// The review's key ([`CheckoutReview::key`]).
    #[serde(default)]
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopOrder {
    pub order: OrderRow,
    pub slot: String,
    pub address: String,
    pub delivery_charge: Cents,
    /// Lines plus delivery.
    pub total: Cents,
    /// The customer may still cancel it (placed or confirmed, not yet picking).
    pub can_cancel: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopOrderRef {
    pub order_id: i64,
}

/// Postcode rules per country, one per line: `IN ^[0-9]{6}$`. A country without a rule
/// takes any postcode of 2 to 10 letters, digits, spaces or dashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ShopSettings {
    /// The card's version when read; a save names it, and a save from a stale card is
    /// refused (`None`: a caller that did not read it, such as a test or a script).
    #[serde(default)]
    pub version: Option<i64>,
    pub postcode_rules: String,
    pub default_country: String,
}

pub mod commands {
    use super::*;
    use crate::orders::OrderDetail;

    crate::api::declare_commands! {
        SHOP_COMMANDS;
        /// Active listings with their variants, searched and filtered.
        Catalogue = "shop_catalogue": CatalogueQuery => CataloguePage, crate::api::Access::Roles(crate::modules::ModuleId::Shop.allowed_roles());
        GetListing = "shop_listing": ListingRef => Listing, crate::api::Access::Roles(crate::modules::ModuleId::Shop.allowed_roles());
        GetPicture = "shop_picture": ListingRef => Option<Picture>, crate::api::Access::Roles(crate::modules::ModuleId::Shop.allowed_roles());
        /// Staff: create or change a listing and its variants.
        SaveListing = "shop_save_listing": ListingEdit => Listing, crate::api::Access::Roles(&[crate::Role::Admin]);
        /// Staff: a picture from a file, checked by content and sized down.
        SetListingPicture = "shop_set_picture": SetPicture => Listing, crate::api::Access::Roles(&[crate::Role::Admin]);
        /// The signed-in customer's cart (kept in the store).
        GetCart = "shop_cart": () => Cart, crate::api::Access::Roles(&[crate::Role::Customer]);
        AddToCart = "shop_add_to_cart": CartChange => Cart, crate::api::Access::Roles(&[crate::Role::Customer]);
        SetCartQuantity = "shop_set_quantity": CartChange => Cart, crate::api::Access::Roles(&[crate::Role::Customer]);
        RemoveFromCart = "shop_remove_from_cart": ProductRef => Cart, crate::api::Access::Roles(&[crate::Role::Customer]);
        ClearCart = "shop_clear_cart": () => Cart, crate::api::Access::Roles(&[crate::Role::Customer]);
        ListAddresses = "shop_addresses": () => Vec<Address>, crate::api::Access::Roles(&[crate::Role::Customer]);
        SaveAddress = "shop_save_address": AddressEdit => Vec<Address>, crate::api::Access::Roles(&[crate::Role::Customer]), owns |r| r.id.map(|a| Owned::new(Record::Address, a));
        DeleteAddress = "shop_delete_address": AddressRef => Vec<Address>, crate::api::Access::Roles(&[crate::Role::Customer]), owns |r| Some(Owned::new(Record::Address, r.id));
        /// Future slots serving the address with room left, soonest first.
        AvailableSlots = "shop_available_slots": SlotsFor => Vec<Slot>, crate::api::Access::Roles(&[crate::Role::Customer]), owns |r| Some(Owned::new(Record::Address, r.address_id));
        /// The cart, delivery and total to confirm (prices as they are now).
        ReviewCheckout = "shop_review_checkout": CheckoutChoice => CheckoutReview, crate::api::Access::Roles(&[crate::Role::Customer]), owns |r| Some(Owned::new(Record::Address, r.address_id));
        /// Books the slot and places the order through the order path, in one transaction.
        PlaceShopOrder = "shop_checkout": Checkout => OrderDetail, crate::api::Access::Roles(&[crate::Role::Customer]), owns |r| Some(Owned::new(Record::Address, r.address_id));
        /// The customer's orders with their delivery.
        MyShopOrders = "shop_my_orders": () => Vec<ShopOrder>, crate::api::Access::Roles(&[crate::Role::Customer]);
        /// Before picking: the stock returns and the slot's place is freed.
        CancelShopOrder = "shop_cancel_order": ShopOrderRef => ShopOrder, crate::api::Access::Roles(&[crate::Role::Customer]), owns |r| Some(Owned::new(Record::Order, r.order_id));
        /// Admin: upcoming slots with their bookings.
        ListSlots = "shop_slots": () => Vec<Slot>, crate::api::Access::Roles(&[crate::Role::Admin]);
        CreateSlot = "shop_create_slot": SlotEdit => Slot, crate::api::Access::Roles(&[crate::Role::Admin]);
        CreateSlotPattern = "shop_create_slot_pattern": SlotPattern => Vec<Slot>, crate::api::Access::Roles(&[crate::Role::Admin]);
        /// Admin: a slot nobody has booked.
        DeleteSlot = "shop_delete_slot": SlotRef => (), crate::api::Access::Roles(&[crate::Role::Admin]);
        /// Every shop role: the address form starts with the default country.
        GetShopSettings = "shop_settings": () => ShopSettings, crate::api::Access::Roles(crate::modules::ModuleId::Shop.allowed_roles());
        SaveShopSettings = "shop_save_settings": ShopSettings => ShopSettings, crate::api::Access::Roles(&[crate::Role::Admin]);
    }
}
