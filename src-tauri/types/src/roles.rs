use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Warehouse,
    Procurement,
    SalesRep,
    Support,
    Customer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Warehouse,
        Role::Procurement,
        Role::SalesRep,
        Role::Support,
        Role::Customer,
    ];
    /// Every role but `Customer`.
    pub const STAFF: [Role; 5] = [
        Role::Admin,
        Role::Warehouse,
        Role::Procurement,
        Role::SalesRep,
        Role::Support,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Warehouse => "warehouse",
            Role::Procurement => "procurement",
            Role::SalesRep => "sales_rep",
            Role::Support => "support",
            Role::Customer => "customer",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Warehouse => "Warehouse",
            Role::Procurement => "Procurement",
            Role::SalesRep => "Sales rep",
            Role::Support => "Support agent",
            Role::Customer => "Customer",
        }
    }
    pub fn is_staff(self) -> bool {
        self != Role::Customer
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role \"{s}\" (expected one of admin, warehouse, procurement, sales_rep, support, customer)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
