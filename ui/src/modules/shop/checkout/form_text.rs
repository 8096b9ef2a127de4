//! What the checkout shows of an address and a slot, and an address as its form.

use portdesk_types::money::money;
use portdesk_types::shop::{Address, AddressEdit, Slot};

pub(super) fn edit_of(a: &Address) -> AddressEdit {
    AddressEdit {
        id: Some(a.id),
        version: Some(a.version),
        kind: a.kind,
        name: a.name.clone(),
        line1: a.line1.clone(),
        line2: a.line2.clone(),
        city: a.city.clone(),
        postcode: a.postcode.clone(),
        country: a.country.clone(),
        phone: a.phone.clone(),
        is_default: a.is_default,
    }
}

/// What a slot costs, as the customer reads it.
pub(super) fn charge_text(s: &Slot) -> String {
    let base = if s.charge == 0 {
        "Free delivery".to_string()
    } else {
        format!("Delivery {}", money(s.charge))
    };
    match s.free_from {
        Some(f) if s.charge > 0 => format!("{base} · free over {}", money(f)),
        _ => base,
    }
}
