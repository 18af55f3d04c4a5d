//! R3: a customer's calendar of its own instances' update windows, at a secret address that
//! calendar apps can read without signing in. Only the token's SHA-256 is kept, as for API
//! tokens: the address is shown once when made, and making a new one ends the old one (the
//! way out when an address was shared too widely).

use serde_json::json;

use super::{Actor, Desk, DeskError, Thing};
use crate::domain::releases::UpdateWindow;
use crate::store::audit;
use crate::store::releases as store;

/// How long past windows stay in the calendar, so last month's updates are still there.
const PAST_SECONDS: i64 = 35 * 86_400;

impl Desk {
    /// Makes `organization_id`'s calendar address anew (the customer's own, or any for staff)
    /// and returns its token; the address before stops working. Audited.
    pub async fn make_update_calendar(
        &self,
        actor: &Actor,
        organization_id: i64,
    ) -> Result<String, DeskError> {
        if !actor.sees_organization(organization_id) {
            return Err(DeskError::NotFound(Thing::Organization));
        }
        let token = crate::secrets::hex::<32>()?;
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        crate::store::accounts::organization_by_id(&mut tx, organization_id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Organization))?;
        store::replace_update_calendar(
            &mut tx,
            organization_id,
            &super::token_hash(&token),
            now,
            actor.id(),
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "organization.update_calendar",
            &format!("organization:{organization_id}"),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The update windows behind a calendar address: its organisation's own, from five weeks
    /// back on. An unknown token is "not found", whatever it looks like.
    pub async fn update_calendar(&self, token: &str) -> Result<Vec<UpdateWindow>, DeskError> {
        let not_found = DeskError::NotFound(Thing::UpdateCalendar);
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_found);
        }
        let mut conn = self.store.read().await?;
        let organization = store::update_calendar_owner(&mut conn, &super::token_hash(token))
            .await?
            .ok_or(not_found)?;
        let since = self.clock.now().as_second() - PAST_SECONDS;
        Ok(store::windows(&mut conn, Some(organization), None, since).await?)
    }
}
