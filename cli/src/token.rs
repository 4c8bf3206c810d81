//! `onaltu token`: signs a development token (HS256) for examples and manual calls.

use onaltu_auth::{Claims, Role};
use uuid::Uuid;

use crate::connection::sign;
use crate::say;

/// Flags of `onaltu token`.
#[derive(Debug, Clone, clap::Args)]
pub struct TokenArgs {
    /// Role: CITIZEN, CENTER_STAFF, CITY_OPERATOR, DISPATCHER, DRIVER, AUDITOR, INTEGRATION, ADMIN.
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// Subject (`sub`): the caller's account id.
    #[arg(long, default_value = "onaltu-cli")]
    sub: String,
    /// For CITIZEN: the registry person the account belongs to.
    #[arg(long)]
    person_id: Option<Uuid>,
    /// For CENTER_STAFF: the centre.
    #[arg(long)]
    center_id: Option<Uuid>,
    /// For DRIVER: the vehicle.
    #[arg(long)]
    vehicle_id: Option<Uuid>,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    ttl_secs: u64,
    /// Issuer (`iss`), when the server checks one.
    #[arg(long)]
    issuer: Option<String>,
    /// Audience (`aud`), when the server checks one.
    #[arg(long)]
    audience: Option<String>,
}

/// Every role by its token name.
const ROLES: [Role; 8] = [
    Role::Citizen,
    Role::CenterStaff,
    Role::CityOperator,
    Role::Dispatcher,
    Role::Driver,
    Role::Auditor,
    Role::Integration,
    Role::Admin,
];

/// A role by its name as written in tokens, case-insensitively (`city_operator` too).
pub fn parse_role(s: &str) -> Result<Role, String> {
    let name = s.trim().to_uppercase().replace('-', "_");
    ROLES
        .into_iter()
        .find(|r| r.as_str() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = ROLES.iter().map(|r| r.as_str()).collect();
            format!("unknown role '{s}'; one of {}", names.join(", "))
        })
}

/// The claims the flags describe.
pub fn claims(args: &TokenArgs) -> Claims {
    let mut claims = Claims::new(args.sub.clone(), args.role, args.ttl_secs);
    claims.person_id = args.person_id;
    claims.center_id = args.center_id;
    claims.vehicle_id = args.vehicle_id;
    claims.iss = args.issuer.clone();
    claims.aud = args.audience.clone();
    claims
}

/// Prints a token signed with $ONALTU_JWT_SECRET (or the development secret).
pub fn run(args: &TokenArgs) -> anyhow::Result<()> {
    say!("{}", sign(&claims(args))?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_read_by_their_token_names() {
        assert_eq!(parse_role("CITY_OPERATOR"), Ok(Role::CityOperator));
        assert_eq!(parse_role("center-staff"), Ok(Role::CenterStaff));
        assert!(parse_role("KING").unwrap_err().contains("ADMIN"));
    }

    #[test]
    fn a_token_carries_the_claims_and_verifies_with_the_secret() {
        use onaltu_auth::{AuthSettings, Authenticator};
        let centre = Uuid::nil();
        let args = TokenArgs {
            role: Role::CenterStaff,
            sub: "staff-1".into(),
            person_id: None,
            center_id: Some(centre),
            vehicle_id: None,
            ttl_secs: 60,
            issuer: None,
            audience: None,
        };
        let token = onaltu_auth::issue_hs256(crate::connection::DEVELOPMENT_SECRET, &claims(&args))
            .unwrap();
        let settings = AuthSettings {
            hs256_secret: Some(crate::connection::DEVELOPMENT_SECRET.to_string().into()),
            ..AuthSettings::default()
        };
        let verified = Authenticator::from_settings(&settings)
            .unwrap()
            .verify(&token)
            .unwrap();
        assert_eq!(verified.role, Role::CenterStaff);
        assert_eq!(verified.center_id, Some(centre));
        assert_eq!(verified.sub, "staff-1");
    }
}
