//! Shop window commands. A customer's cart, addresses, checkout and orders are always their
//! own: the requests carry no customer id, and an address or order id of another customer is
//! answered as unknown. Staff (admin) keep the listings, slots and postcode rules.

use super::{addresses, cart, catalogue, checkout, slots};
use crate::accounts::{self, User};
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, owner_by, route};
use crate::error::{CoreError, Result};
use portdesk_types::Role;
use portdesk_types::api::Record;
use portdesk_types::modules::ModuleId;
use portdesk_types::orders::OrderDetail;
use portdesk_types::shop::commands::*;
use portdesk_types::shop::*;

/// This module's commands, each with its access rule and handler.
pub(crate) fn commands() -> ModuleCommands {
    ModuleCommands {
        module: "shop",
        window: Some(ModuleId::Shop),
        tasks: Vec::new(),
        events: Vec::new(),
        owners: vec![(Record::Address, |app, id| {
            Box::pin(owner_by(
                app,
                "SELECT customer_id FROM shop_addresses WHERE id = $1",
                id,
            ))
        })],
        routes: vec![
            route!(roles Catalogue => Portdesk::shop_catalogue),
            route!(roles GetListing => Portdesk::shop_listing),
            route!(roles GetPicture => Portdesk::shop_picture),
            route!(roles SaveListing => Portdesk::shop_save_listing),
            route!(roles SetListingPicture => Portdesk::shop_set_picture),
            route!(roles GetCart => Portdesk::shop_cart),
            route!(roles AddToCart => Portdesk::shop_add_to_cart),
            route!(roles SetCartQuantity => Portdesk::shop_set_quantity),
            route!(roles RemoveFromCart => Portdesk::shop_remove_from_cart),
            route!(roles ClearCart => Portdesk::shop_clear_cart),
            route!(roles ListAddresses => Portdesk::shop_addresses),
            route!(roles SaveAddress => Portdesk::shop_save_address),
            route!(roles DeleteAddress => Portdesk::shop_delete_address),
            route!(roles AvailableSlots => Portdesk::shop_available_slots),
            route!(roles ReviewCheckout => Portdesk::shop_review_checkout),
            route!(roles PlaceShopOrder => Portdesk::shop_checkout),
            route!(roles MyShopOrders => Portdesk::shop_my_orders),
            route!(roles CancelShopOrder => Portdesk::shop_cancel_order),
            route!(roles ListSlots => Portdesk::shop_slots),
            route!(roles CreateSlot => Portdesk::shop_create_slot),
            route!(roles CreateSlotPattern => Portdesk::shop_create_slot_pattern),
            route!(roles DeleteSlot => Portdesk::shop_delete_slot),
            route!(roles GetShopSettings => Portdesk::shop_settings),
            route!(roles SaveShopSettings => Portdesk::shop_save_settings),
        ],
    }
}

impl Portdesk {
    pub async fn shop_catalogue(&self, user: User, mut q: CatalogueQuery) -> Result<CataloguePage> {
        // Only the admin sees retired listings.
        q.include_inactive &= user.role == Role::Admin;
        catalogue::search(&self.store().await?, &q).await
    }

    pub async fn shop_listing(&self, user: User, r: ListingRef) -> Result<Listing> {
        catalogue::listing(&self.store().await?, r.id, user.role == Role::Admin).await
    }

    pub async fn shop_picture(&self, user: User, r: ListingRef) -> Result<Option<Picture>> {
        catalogue::picture(&self.store().await?, r.id, user.role == Role::Admin).await
    }

    pub async fn shop_save_listing(&self, user: User, e: ListingEdit) -> Result<Listing> {
        if e.id.is_some() && e.version.is_none() {
            return Err(crate::stale::version_required("listing"));
        }
        catalogue::save_listing(&self.store().await?, &user.actor(), &e).await
    }

    pub async fn shop_set_picture(&self, user: User, r: SetPicture) -> Result<Listing> {
        catalogue::set_picture(&self.store().await?, &user.actor(), &r).await
    }

    pub async fn shop_cart(&self, user: User, _: ()) -> Result<Cart> {
        cart::get(&self.store().await?, user.id).await
    }

    pub async fn shop_add_to_cart(&self, user: User, c: CartChange) -> Result<Cart> {
        cart::change(&self.store().await?, user.id, &c, true).await
    }

    pub async fn shop_set_quantity(&self, user: User, c: CartChange) -> Result<Cart> {
        cart::change(&self.store().await?, user.id, &c, false).await
    }

    pub async fn shop_remove_from_cart(&self, user: User, r: ProductRef) -> Result<Cart> {
        cart::remove(&self.store().await?, user.id, r.product_id).await
    }

    pub async fn shop_clear_cart(&self, user: User, _: ()) -> Result<Cart> {
        cart::clear(&self.store().await?, user.id).await
    }

    pub async fn shop_addresses(&self, user: User, _: ()) -> Result<Vec<Address>> {
        addresses::list(&self.store().await?, user.id).await
    }

    pub async fn shop_save_address(&self, user: User, e: AddressEdit) -> Result<Vec<Address>> {
        if e.id.is_some() && e.version.is_none() {
            return Err(crate::stale::version_required("delivery address"));
        }
        addresses::save(&self.store().await?, user.id, &e).await
    }

    pub async fn shop_delete_address(&self, user: User, r: AddressRef) -> Result<Vec<Address>> {
        addresses::delete(&self.store().await?, user.id, r.id).await
    }

    pub async fn shop_available_slots(&self, user: User, r: SlotsFor) -> Result<Vec<Slot>> {
        let store = self.store().await?;
        let mut conn = store.pool().acquire().await?;
        let a = addresses::owned(&mut conn, user.id, r.address_id).await?;
        slots::available(&mut conn, &a.postcode).await
    }

    pub async fn shop_review_checkout(
        &self,
        user: User,
        c: CheckoutChoice,
    ) -> Result<CheckoutReview> {
        checkout::review(&self.store().await?, user.id, &c).await
    }

    pub async fn shop_checkout(&self, user: User, c: Checkout) -> Result<OrderDetail> {
        let store = self.store().await?;
        // The account as it is now (its ERP link and state), not as the session began.
        let customer = accounts::by_id(&store, user.id)
            .await?
            .ok_or(CoreError::Forbidden)?;
        let units = crate::shop::cart::get(&store, customer.id).await?.units;
        crate::orders::check_open_units(&store, customer.id, units).await?;
        let placed = checkout::place(&store, &customer, &c).await?;
        let d = crate::orders::detail(&store, placed.order_id).await?;
        Ok(crate::orders::commands::seen_by(&user, d))
    }

    pub async fn shop_my_orders(&self, user: User, _: ()) -> Result<Vec<ShopOrder>> {
        checkout::my_orders(&self.store().await?, user.id).await
    }

    pub async fn shop_cancel_order(&self, user: User, r: ShopOrderRef) -> Result<ShopOrder> {
        checkout::cancel(&self.store().await?, &user, r.order_id).await
    }

    pub async fn shop_slots(&self, _: User, _: ()) -> Result<Vec<Slot>> {
        slots::upcoming(&self.store().await?).await
    }

    pub async fn shop_create_slot(&self, user: User, e: SlotEdit) -> Result<Slot> {
        slots::create(&self.store().await?, &user.actor(), &e).await
    }

    pub async fn shop_create_slot_pattern(&self, user: User, p: SlotPattern) -> Result<Vec<Slot>> {
        slots::create_pattern(&self.store().await?, &user.actor(), &p).await
    }

    pub async fn shop_delete_slot(&self, user: User, r: SlotRef) -> Result<()> {
        slots::delete(&self.store().await?, &user.actor(), r.id).await
    }

    pub async fn shop_settings(&self, _: User, _: ()) -> Result<ShopSettings> {
        let store = self.store().await?;
        Ok(ShopSettings {
            version: Some(crate::settings::card_version(&store, "shop").await?),
            ..addresses::shop_settings(&store).await?
        })
    }

    pub async fn shop_save_settings(&self, _: User, s: ShopSettings) -> Result<ShopSettings> {
        let store = self.store().await?;
        let version = crate::settings::guard_card(&store, "shop", "shop", s.version).await?;
        Ok(ShopSettings {
            version: Some(version),
            ..addresses::save_settings(&store, &s).await?
        })
    }
}
