//! Procurement window commands: the catalogue (products, suppliers, Excel), requests and
//! their purchase orders, and the approval limit.

use crate::accounts::User;
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, route};
use crate::audit;
use crate::error::{CoreError, Result};
use portdesk_types::accounts::{ExportReply, ExportRequest, ImportReport};
use portdesk_types::modules::ModuleId;
use portdesk_types::money::money;
use portdesk_types::procurement::commands::*;
use portdesk_types::procurement::*;

/// This module's commands, each with its access rule and handler.
pub(crate) fn commands() -> ModuleCommands {
    ModuleCommands {
        module: "procurement",
        window: Some(ModuleId::Procurement),
        tasks: Vec::new(),
        events: Vec::new(),
        owners: Vec::new(),
        routes: vec![
            route!(roles ListProducts => Portdesk::list_products),
            route!(roles SaveProduct => Portdesk::save_product),
            route!(roles AdjustStock => Portdesk::adjust_stock),
            route!(roles ListSuppliers => Portdesk::list_suppliers),
            route!(roles SaveSupplier => Portdesk::save_supplier),
            route!(roles ImportProducts => Portdesk::import_products),
            route!(roles ExportProducts => Portdesk::export_products),
            route!(roles ListRequests => Portdesk::list_requests),
            route!(roles GetRequest => Portdesk::get_request),
            route!(roles ApproveProcurement => Portdesk::approve_procurement),
            route!(roles RejectProcurement => Portdesk::reject_procurement),
            route!(roles CancelProcurement => Portdesk::cancel_procurement),
            route!(roles ReceivePurchaseOrder => Portdesk::receive_purchase_order),
            route!(roles GetProcurementSettings => Portdesk::get_procurement_settings),
            route!(roles SaveProcurementSettings => Portdesk::save_procurement_settings),
        ],
    }
}

impl Portdesk {
    pub async fn list_products(&self, _: User, q: ProductQuery) -> Result<ProductPage> {
        crate::procurement::list_products(&self.store().await?, &q).await
    }

    pub async fn save_product(&self, user: User, e: ProductEdit) -> Result<Product> {
        crate::procurement::save_product(&self.store().await?, &user.actor(), &e).await
    }

    pub async fn adjust_stock(&self, user: User, a: StockAdjustment) -> Result<Product> {
        crate::procurement::adjust_stock(&self.store().await?, &user.actor(), &a).await
    }

    pub async fn list_suppliers(&self, _: User, _: ()) -> Result<Vec<Supplier>> {
        crate::procurement::list_suppliers(&self.store().await?).await
    }

    pub async fn save_supplier(&self, user: User, e: SupplierEdit) -> Result<Supplier> {
        crate::procurement::save_supplier(&self.store().await?, &user.actor(), &e).await
    }

    pub async fn import_products(&self, user: User, req: CatalogueImport) -> Result<ImportReport> {
        if req.path.trim().is_empty() {
            return Err(CoreError::validation(
                "path",
                "Choose the .xlsx file to import.",
            ));
        }
        let path = std::path::PathBuf::from(req.path.trim());
        crate::procurement::xlsx::import(&self.store().await?, &user.actor(), &path, req.mode).await
    }

    pub async fn export_products(
        &self,
        user: User,
        req: ExportRequest<ProductQuery>,
    ) -> Result<ExportReply> {
        let path = self.export_path(&req.path, "catalogue")?;
        let store = self.store().await?;
        let rows = crate::procurement::xlsx::export(&store, &req.query, &path).await?;
        audit::record_on(
            &store,
            &user.actor(),
            "product.export",
            None,
            Some(&format!("{rows} rows to {}", path.display())),
        )
        .await?;
        Ok(ExportReply {
            path: path.display().to_string(),
            rows,
        })
    }

    pub async fn list_requests(&self, _: User, q: RequestQuery) -> Result<RequestPage> {
        crate::procurement::list_requests(&self.store().await?, &q).await
    }

    async fn request_detail(&self, id: i64) -> Result<RequestDetail> {
        let store = self.store().await?;
        let limit = crate::procurement::approval_limit(&store).await?;
        crate::procurement::request_detail(&store, id, limit).await
    }

    pub async fn get_request(&self, _: User, r: RequestRef) -> Result<RequestDetail> {
        let d = self.request_detail(r.id).await?;
        crate::procurement::mark_seen(&self.store().await?, r.id).await?;
        Ok(d)
    }

    pub async fn approve_procurement(
        &self,
        user: User,
        req: ApproveRequest,
    ) -> Result<RequestDetail> {
        let quantity = req
            .quantity
            .map(|q| crate::procurement::whole_units("quantity", q))
            .transpose()?;
        let store = self.store().await?;
        let limit = crate::procurement::approval_limit(&store).await?;
        match crate::procurement::approve(
            &store,
            &user.actor(),
            user.role,
            limit,
            req.id,
            quantity,
            &req.note,
        )
        .await
        {
            Err(CoreError::Forbidden) => {
                return Err(CoreError::Conflict {
                    field: Some("quantity"),
                    message: format!(
                        "This request is worth more than the approval limit ({}); only an administrator may approve it.",
                        money(limit)
                    ),
                });
            }
            other => other?,
        }
        self.request_detail(req.id).await
    }

    pub async fn reject_procurement(
        &self,
        user: User,
        req: RejectRequest,
    ) -> Result<RequestDetail> {
        crate::procurement::close(
            &self.store().await?,
            &user.actor(),
            req.id,
            &req.reason,
            false,
        )
        .await?;
        self.request_detail(req.id).await
    }

    pub async fn cancel_procurement(
        &self,
        user: User,
        req: RejectRequest,
    ) -> Result<RequestDetail> {
        crate::procurement::close(
            &self.store().await?,
            &user.actor(),
            req.id,
            &req.reason,
            true,
        )
        .await?;
        self.request_detail(req.id).await
    }

    pub async fn receive_purchase_order(
        &self,
        user: User,
        req: ReceiveRequest,
    ) -> Result<RequestDetail> {
        let quantity = crate::procurement::whole_units("quantity", req.quantity)?;
        crate::procurement::receive(&self.store().await?, &user.actor(), req.id, quantity).await?;
        self.request_detail(req.id).await
    }

    pub async fn get_procurement_settings(&self, _: User, _: ()) -> Result<ProcurementSettings> {
        let store = self.store().await?;
        Ok(ProcurementSettings {
            approval_limit: crate::procurement::approval_limit(&store).await?,
            version: Some(crate::settings::card_version(&store, "procurement").await?),
        })
    }

    pub async fn save_procurement_settings(
        &self,
        user: User,
        req: ProcurementSettings,
    ) -> Result<ProcurementSettings> {
        if req.approval_limit < 0 {
            return Err(CoreError::validation(
                "approval_limit",
                "The approval limit must be 0 (none) or more.",
            ));
        }
        let store = self.store().await?;
        let version =
            crate::settings::guard_card(&store, "procurement", "procurement", req.version).await?;
        let req = ProcurementSettings {
            version: Some(version),
            ..req
        };
        let mut tx = store.pool().begin().await?;
        crate::settings::set(
            &mut *tx,
            crate::procurement::APPROVAL_LIMIT,
            &req.approval_limit.to_string(),
        )
        .await?;
        audit::record(
            &mut tx,
            &user.actor(),
            "settings.procurement",
            None,
            Some(&format!("approval_limit={}", money(req.approval_limit))),
        )
        .await?;
        tx.commit().await?;
        Ok(req)
    }
}
