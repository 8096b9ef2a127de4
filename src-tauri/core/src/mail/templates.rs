//! The message templates: plain text and HTML for every kind of message Portdesk sends.
//!
//! Templates are minijinja files embedded in the binary; `.html` ones are auto-escaped, so a
//! customer name such as `<Smith & Sons>` cannot inject markup. Each kind has a typed context,
//! so the modules that send mail cannot forget a field.

use crate::error::{CoreError, Result};
use minijinja::Environment;
use serde::Serialize;
use std::sync::OnceLock;

/// Company name and logo, from the mail settings, shown in every message.
#[derive(Debug, Clone, Default)]
pub struct Brand {
    pub company: String,
    /// PNG/JPEG bytes and their content type, sent as an inline part.
    pub logo: Option<(Vec<u8>, String)>,
}

/// The content id of the inline logo part.
pub const LOGO_CID: &str = "logo@portdesk";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PasswordReset {
    pub name: String,
    pub code: String,
    pub valid_minutes: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderLine {
    pub part: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub line_total: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderConfirmation {
    pub order_no: String,
    pub customer: String,
    pub placed_at: String,
    pub lines: Vec<OrderLine>,
    pub total: String,
    pub currency: String,
    pub delivery_slot: String,
    pub estimated_delivery: String,
    pub delivery_address: String,
}

/// The supplier request of seed 000.
#[derive(Debug, Clone, Serialize)]
pub struct ProcurementRequest {
    pub supplier: String,
    pub procurement_id: String,
    pub product: String,
    pub product_id: String,
    pub quantity: i64,
    pub current_stock: i64,
    pub low_stock: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoLine {
    pub part: String,
    pub description: String,
    pub quantity: i64,
    /// Empty when the price is to be quoted.
    pub unit_price: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PurchaseOrder {
    pub supplier: String,
    pub po_number: String,
    pub procurement_id: String,
    pub approved_at: String,
    pub lines: Vec<PoLine>,
    pub requested_delivery: String,
    pub delivery_address: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LowStockItem {
    pub product: String,
    pub product_id: String,
    pub on_hand: i64,
    pub reorder_level: i64,
    /// The open procurement request that covers it, if any.
    pub open_request: Option<String>,
    /// The supplier has no e-mail address: nobody was notified.
    pub cannot_notify: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LowStockAlert {
    pub items: Vec<LowStockItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ForecastCycleOpened {
    pub name: String,
    pub cycle: String,
    pub period: String,
    pub deadline: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ForecastDeadline {
    pub name: String,
    pub cycle: String,
    pub deadline: String,
    pub days_left: i64,
    pub missing: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketCreated {
    pub name: String,
    pub ticket_no: String,
    pub title: String,
    pub priority: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketReply {
    pub name: String,
    pub agent: String,
    pub ticket_no: String,
    pub title: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallRequested {
    pub ticket_no: String,
    pub title: String,
    pub customer: String,
    pub contact: String,
    pub phone: String,
    /// "as soon as possible" or a date and time.
    pub when: String,
}

/// To the admins: someone asked for an account at the sign-in screen.
#[derive(Debug, Clone, Serialize)]
pub struct AccountRequested {
    pub name: String,
    pub email: String,
    /// Empty when none was given.
    pub phone: String,
    pub company: String,
    /// Empty when none was given.
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedbackReceived {
    pub ticket_no: String,
    pub title: String,
    pub customer: String,
    pub rating: u8,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestMessage {
    pub transport: String,
}

/// Every message Portdesk sends.
#[derive(Debug, Clone)]
pub enum Template {
    PasswordReset(PasswordReset),
    OrderConfirmation(OrderConfirmation),
    ProcurementRequest(ProcurementRequest),
    PurchaseOrder(PurchaseOrder),
    LowStockAlert(LowStockAlert),
    ForecastCycleOpened(ForecastCycleOpened),
    ForecastDeadline(ForecastDeadline),
    TicketCreated(TicketCreated),
    TicketReply(TicketReply),
    CallRequested(CallRequested),
    FeedbackReceived(FeedbackReceived),
    AccountRequested(AccountRequested),
    Test(TestMessage),
}

impl Template {
    /// The template's file stem, also the outbox's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Template::PasswordReset(_) => "password_reset",
            Template::OrderConfirmation(_) => "order_confirmation",
            Template::ProcurementRequest(_) => "procurement_request",
            Template::PurchaseOrder(_) => "purchase_order",
            Template::LowStockAlert(_) => "low_stock_alert",
            Template::ForecastCycleOpened(_) => "forecast_cycle_opened",
            Template::ForecastDeadline(_) => "forecast_deadline",
            Template::TicketCreated(_) => "ticket_created",
            Template::TicketReply(_) => "ticket_reply",
            Template::CallRequested(_) => "call_requested",
            Template::FeedbackReceived(_) => "feedback_received",
            Template::AccountRequested(_) => "account_requested",
            Template::Test(_) => "test",
        }
    }

    fn subject(&self, company: &str) -> String {
        match self {
            Template::PasswordReset(_) => format!("Your {company} password reset code"),
            Template::OrderConfirmation(o) => format!("Order confirmation {}", o.order_no),
            // The seed's subject line, kept: suppliers filter on it.
            Template::ProcurementRequest(p) => format!(
                "[PROCUREMENT REQUEST] {} - Order #{}",
                p.product, p.procurement_id
            ),
            Template::PurchaseOrder(p) => format!("Purchase order {} from {company}", p.po_number),
            Template::LowStockAlert(a) => format!("Low stock: {} product(s)", a.items.len()),
            Template::ForecastCycleOpened(f) => format!("S&OP cycle {} is open", f.cycle),
            Template::ForecastDeadline(f) => {
                format!("Reminder: S&OP forecasts due {}", f.deadline)
            }
            Template::TicketCreated(t) => format!("[{}] {}", t.ticket_no, t.title),
            Template::TicketReply(t) => format!("Re: [{}] {}", t.ticket_no, t.title),
            Template::CallRequested(c) => format!("Call requested: [{}] {}", c.ticket_no, c.title),
            Template::FeedbackReceived(f) => {
                format!("Feedback {}/5: [{}] {}", f.rating, f.ticket_no, f.title)
            }
            Template::AccountRequested(a) => {
                format!("Account requested: {} ({})", a.name, a.company)
            }
            Template::Test(_) => format!("Portdesk test message from {company}"),
        }
    }

    fn context(&self) -> minijinja::Value {
        use minijinja::Value;
        match self {
            Template::PasswordReset(c) => Value::from_serialize(c),
            Template::OrderConfirmation(c) => Value::from_serialize(c),
            Template::ProcurementRequest(c) => Value::from_serialize(c),
            Template::PurchaseOrder(c) => Value::from_serialize(c),
            Template::LowStockAlert(c) => Value::from_serialize(c),
            Template::ForecastCycleOpened(c) => Value::from_serialize(c),
            Template::ForecastDeadline(c) => Value::from_serialize(c),
            Template::TicketCreated(c) => Value::from_serialize(c),
            Template::TicketReply(c) => Value::from_serialize(c),
            Template::CallRequested(c) => Value::from_serialize(c),
            Template::FeedbackReceived(c) => Value::from_serialize(c),
            Template::AccountRequested(c) => Value::from_serialize(c),
            Template::Test(c) => Value::from_serialize(c),
        }
    }
}

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

const FILES: &[(&str, &str)] = embedded!(
    "layout.html",
    "footer.txt",
    "password_reset.txt",
    "password_reset.html",
    "order_confirmation.txt",
    "order_confirmation.html",
    "procurement_request.txt",
    "procurement_request.html",
    "purchase_order.txt",
    "purchase_order.html",
    "low_stock_alert.txt",
    "low_stock_alert.html",
    "forecast_cycle_opened.txt",
    "forecast_cycle_opened.html",
    "forecast_deadline.txt",
    "forecast_deadline.html",
    "ticket_created.txt",
    "ticket_created.html",
    "ticket_reply.txt",
    "ticket_reply.html",
    "call_requested.txt",
    "feedback_received.txt",
    "feedback_received.html",
    "call_requested.html",
    "account_requested.txt",
    "account_requested.html",
    "test.txt",
    "test.html",
);

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // A missing field is a bug in the sending module: fail loudly instead of sending a blank.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in FILES {
            env.add_template(name, source)
                .expect("embedded mail templates parse (checked by tests)");
        }
        env
    })
}

/// Renders a message's subject, text and HTML bodies.
pub fn render(template: &Template, brand: &Brand) -> Result<Rendered> {
    let company = if brand.company.trim().is_empty() {
        "Portdesk".to_owned()
    } else {
        brand.company.trim().to_owned()
    };
    let subject = template.subject(&company);
    let ctx = minijinja::context! {
        brand => minijinja::context! {
            company => company,
            logo_cid => brand.logo.as_ref().map(|_| LOGO_CID),
        },
        subject => subject.clone(),
        ..template.context()
    };
    let kind = template.kind();
    let one = |ext: &str| -> Result<String> {
        env()
            .get_template(&format!("{kind}.{ext}"))
            .and_then(|t| t.render(&ctx))
            .map_err(|e| CoreError::Internal(format!("mail template {kind}.{ext}: {e:#}")))
    };
    Ok(Rendered {
        subject,
        text: one("txt")?,
        html: one("html")?,
    })
}

/// One filled-in example of every template, for the tests and the template preview.
pub fn samples() -> Vec<Template> {
    vec![
        Template::PasswordReset(PasswordReset {
            name: "Ada <Admin>".into(),
            code: "042917".into(),
            valid_minutes: 15,
        }),
        Template::OrderConfirmation(OrderConfirmation {
            order_no: "SO-10042".into(),
            customer: "Smith & Sons <Ltd>".into(),
            placed_at: "2026-11-22 09:14".into(),
            lines: vec![
                OrderLine {
                    part: "P-100".into(),
                    description: "Pallet wrap 500 mm".into(),
                    quantity: "12".into(),
                    unit_price: "4.50".into(),
                    line_total: "54.00".into(),
                },
                OrderLine {
                    part: "P-200".into(),
                    description: "Étiquettes « fragile »".into(),
                    quantity: "3".into(),
                    unit_price: "10.00".into(),
                    line_total: "30.00".into(),
                },
            ],
            total: "84.00".into(),
            currency: "EUR".into(),
            delivery_slot: "Tue 24 Nov, 08:00-12:00".into(),
            estimated_delivery: "2026-11-24".into(),
            delivery_address: "Dock 4, 1 Harbour Rd, 1012 AB Amsterdam".into(),
        }),
        Template::ProcurementRequest(ProcurementRequest {
            supplier: "TechParts Inc".into(),
            procurement_id: "PROC-20260206120000".into(),
            product: "Wireless Mouse".into(),
            product_id: "P123".into(),
            quantity: 60,
            current_stock: 25,
            low_stock: true,
        }),
        Template::PurchaseOrder(PurchaseOrder {
            supplier: "TechParts Inc".into(),
            po_number: "PO-20260206120500".into(),
            procurement_id: "PROC-20260206120000".into(),
            approved_at: "2026-02-06 12:05".into(),
            lines: vec![PoLine {
                part: "P123".into(),
                description: "Wireless Mouse".into(),
                quantity: 60,
                unit_price: Some("7.25".into()),
            }],
            requested_delivery: "2026-02-13".into(),
            delivery_address: "Dock 4, 1 Harbour Rd".into(),
        }),
        Template::LowStockAlert(LowStockAlert {
            items: vec![
                LowStockItem {
                    product: "Wireless Mouse".into(),
                    product_id: "P123".into(),
                    on_hand: 25,
                    reorder_level: 30,
                    open_request: Some("PROC-20260206120000".into()),
                    cannot_notify: false,
                },
                LowStockItem {
                    product: "USB-C Hub".into(),
                    product_id: "P456".into(),
                    on_hand: 2,
                    reorder_level: 10,
                    open_request: None,
                    cannot_notify: true,
                },
            ],
        }),
        Template::ForecastCycleOpened(ForecastCycleOpened {
            name: "Sam Sales".into(),
            cycle: "2026-12".into(),
            period: "January to June 2027".into(),
            deadline: "2026-12-10".into(),
        }),
        Template::ForecastDeadline(ForecastDeadline {
            name: "Sam Sales".into(),
            cycle: "2026-12".into(),
            deadline: "2026-12-10".into(),
            days_left: 2,
            missing: 14,
        }),
        Template::TicketCreated(TicketCreated {
            name: "Carla Customer".into(),
            ticket_no: "T-1007".into(),
            title: "Damaged pallet <urgent>".into(),
            priority: "high".into(),
            description: "Pallet 3 arrived crushed.\nPhotos attached.".into(),
        }),
        Template::TicketReply(TicketReply {
            name: "Carla Customer".into(),
            agent: "Sven Support".into(),
            ticket_no: "T-1007".into(),
            title: "Damaged pallet <urgent>".into(),
            message: "We are sending a replacement today.".into(),
        }),
        Template::CallRequested(CallRequested {
            ticket_no: "T-1007".into(),
            title: "Damaged pallet <urgent>".into(),
            customer: "Northwind Foods".into(),
            contact: "Carla Customer".into(),
            phone: "+31 20 555 0101".into(),
            when: "as soon as possible".into(),
        }),
        Template::FeedbackReceived(FeedbackReceived {
            ticket_no: "T-1007".into(),
            title: "Damaged pallet <urgent>".into(),
            customer: "Carla Customer".into(),
            rating: 4,
            comment: "Quick and friendly.".into(),
        }),
        Template::AccountRequested(AccountRequested {
            name: "Carla <Customer>".into(),
            email: "carla@northwind.example".into(),
            phone: "+31 20 555 0101".into(),
            company: "Northwind Foods".into(),
            message: "We order pallets weekly.".into(),
        }),
        Template::Test(TestMessage {
            transport: "SMTP mail.example.com:587 (STARTTLS)".into(),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand() -> Brand {
        Brand {
            company: "Harbour & Co <Logistics>".into(),
            logo: Some((vec![0x89, b'P', b'N', b'G'], "image/png".into())),
        }
    }

    #[test]
    fn every_template_renders_text_and_html_with_its_facts() {
        let samples = samples();
        let kinds: std::collections::HashSet<_> = samples.iter().map(Template::kind).collect();
        assert_eq!(kinds.len(), 13, "one sample per template");
        for t in &samples {
            let r = render(t, &brand()).unwrap_or_else(|e| panic!("{}: {e}", t.kind()));
            assert!(
                !r.subject.is_empty() && !r.subject.contains('\n'),
                "{}",
                t.kind()
            );
            assert!(
                r.text.contains("Harbour & Co <Logistics>"),
                "{}: company in text",
                t.kind()
            );
            assert!(
                r.html.contains("Harbour &amp; Co &lt;Logistics&gt;"),
                "{}: company escaped in HTML",
                t.kind()
            );
            assert!(
                r.html.contains(&format!("cid:{LOGO_CID}")),
                "{}: logo",
                t.kind()
            );
            assert!(
                !r.html.contains("<Logistics>") && !r.html.contains("<urgent>"),
                "{}",
                t.kind()
            );
        }
    }

    #[test]
    fn templates_carry_the_business_details() {
        let by_kind = |k: &str| {
            let t = samples().into_iter().find(|t| t.kind() == k).unwrap();
            render(&t, &Brand::default()).unwrap()
        };
        let p = by_kind("procurement_request");
        assert_eq!(
            p.subject,
            "[PROCUREMENT REQUEST] Wireless Mouse - Order #PROC-20260206120000"
        );
        for fact in [
            "Procurement ID: PROC-20260206120000",
            "Product: Wireless Mouse (ID: P123)",
            "Quantity Requested: 60 units",
            "Current Stock: 25 units (Low Stock Alert)",
        ] {
            assert!(p.text.contains(fact), "missing {fact:?} in:\n{}", p.text);
        }
        let o = by_kind("order_confirmation");
        assert!(
            o.text
                .contains("- 12 x Pallet wrap 500 mm (P-100) at 4.50 = 54.00 EUR")
        );
        assert!(o.text.contains("Étiquettes « fragile »"));
        assert!(
            o.text.contains("Total: 84.00 EUR")
                && o.text.contains("Estimated delivery: 2026-11-24")
        );
        assert!(o.html.contains("Smith &amp; Sons &lt;Ltd&gt;"));
        assert!(!o.html.contains("cid:"), "no logo configured, no image");
        let r = by_kind("password_reset");
        assert!(r.text.contains("042917") && r.text.contains("15 minutes"));
        assert_eq!(r.subject, "Your Portdesk password reset code");
        let a = by_kind("low_stock_alert");
        assert!(
            a.text.contains("CANNOT NOTIFY") && a.text.contains("request PROC-20260206120000 open")
        );
        let d = by_kind("forecast_deadline");
        assert!(d.text.contains("2 day(s) left") && d.text.contains("14 of your"));
        let c = by_kind("call_requested");
        assert!(c.text.contains("+31 20 555 0101"));
        let a = by_kind("account_requested");
        assert_eq!(
            a.subject,
            "Account requested: Carla <Customer> (Northwind Foods)"
        );
        for fact in [
            "E-mail: carla@northwind.example",
            "Phone: +31 20 555 0101",
            "Company: Northwind Foods",
            "We order pallets weekly.",
            "Customers window",
        ] {
            assert!(a.text.contains(fact), "missing {fact:?} in:\n{}", a.text);
        }
        let po = by_kind("purchase_order");
        assert!(po.text.contains("60 x Wireless Mouse (P123) at 7.25"));
    }

    #[test]
    fn a_missing_field_is_an_error_not_a_blank() {
        let t = env().get_template("password_reset.txt").unwrap();
        let missing_code = minijinja::context! {
            brand => minijinja::context! { company => "X" },
            name => "Ada",
            valid_minutes => 15,
        };
        assert!(t.render(missing_code).is_err());
    }
}
