use crate::roles::Role;
use serde::{Deserialize, Serialize};

/// The business modules; each opens as its own native window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleId {
    Inventory,
    Orders,
    Customers,
    Procurement,
    Forecasts,
    Shop,
    Support,
    Mail,
    Settings,
}

impl ModuleId {
    pub const ALL: [ModuleId; 9] = [
        ModuleId::Inventory,
        ModuleId::Orders,
        ModuleId::Customers,
        ModuleId::Procurement,
        ModuleId::Forecasts,
        ModuleId::Shop,
        ModuleId::Support,
        ModuleId::Mail,
        ModuleId::Settings,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModuleId::Inventory => "inventory",
            ModuleId::Orders => "orders",
            ModuleId::Customers => "customers",
            ModuleId::Procurement => "procurement",
            ModuleId::Forecasts => "forecasts",
            ModuleId::Shop => "shop",
            ModuleId::Support => "support",
            ModuleId::Mail => "mail",
            ModuleId::Settings => "settings",
        }
    }

    pub fn parse(s: &str) -> Option<ModuleId> {
        ModuleId::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn title(self) -> &'static str {
        match self {
            ModuleId::Inventory => "Inventory",
            ModuleId::Orders => "Orders",
            ModuleId::Customers => "Customers",
            ModuleId::Procurement => "Procurement",
            ModuleId::Forecasts => "Forecasts",
            ModuleId::Shop => "Shop",
            ModuleId::Support => "Support",
            ModuleId::Mail => "Mail",
            ModuleId::Settings => "Settings",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ModuleId::Inventory => {
                "Stock held for a customer, live from the ERP, with Excel export."
            }
            ModuleId::Orders => "Orders placed for customers: status from placed to delivered.",
            ModuleId::Customers => "Customer and staff accounts, password resets, audit log.",
            ModuleId::Procurement => "Automatic procurement requests, approvals, purchase orders.",
            ModuleId::Forecasts => "S&OP cycles and monthly forecasts per customer and product.",
            ModuleId::Shop => "Catalogue, cart, delivery slots and order tracking.",
            ModuleId::Support => "Tickets, messages, call requests and the knowledge base.",
            ModuleId::Mail => "Outgoing messages: queued, sent and failed, with resend and cancel.",
            ModuleId::Settings => "ERP source, portal store, mail transport and connection tests.",
        }
    }

    /// Which roles may open the module. The core enforces the same sets on every command.
    pub const fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            ModuleId::Inventory => &[Admin, Warehouse, Customer],
            ModuleId::Orders => &[Admin, Warehouse, SalesRep, Procurement, Customer],
            ModuleId::Customers => &[Admin],
            ModuleId::Procurement => &[Admin, Procurement],
            ModuleId::Forecasts => &[Admin, SalesRep],
            ModuleId::Shop => &[Admin, SalesRep, Customer],
            ModuleId::Support => &[Admin, Support, Customer],
            ModuleId::Mail => &[Admin],
            ModuleId::Settings => &[Admin],
        }
    }

    /// Whether the module does its job yet; an unbuilt one says so in its window.
    pub fn is_built(self) -> bool {
        matches!(
            self,
            ModuleId::Settings
                | ModuleId::Customers
                | ModuleId::Inventory
                | ModuleId::Mail
                | ModuleId::Orders
                | ModuleId::Procurement
                | ModuleId::Forecasts
                | ModuleId::Shop
                | ModuleId::Support
        )
    }

    pub fn allows(self, role: Role) -> bool {
        self.allowed_roles().contains(&role)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleInfo {
    pub id: ModuleId,
    pub title: String,
    pub description: String,
    pub built: bool,
}

impl From<ModuleId> for ModuleInfo {
    fn from(id: ModuleId) -> Self {
        ModuleInfo {
            id,
            title: id.title().to_owned(),
            description: id.description().to_owned(),
            built: id.is_built(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_never_reach_staff_modules() {
        for m in [
            ModuleId::Customers,
            ModuleId::Procurement,
            ModuleId::Forecasts,
            ModuleId::Mail,
            ModuleId::Settings,
        ] {
            assert!(
                !m.allows(Role::Customer),
                "{m:?} must not be open to customers"
            );
        }
        assert!(ModuleId::Inventory.allows(Role::Customer));
    }

    #[test]
    fn admin_reaches_every_module_and_ids_round_trip() {
        for m in ModuleId::ALL {
            assert!(m.allows(Role::Admin));
            assert_eq!(ModuleId::parse(m.as_str()), Some(m));
        }
    }
}
