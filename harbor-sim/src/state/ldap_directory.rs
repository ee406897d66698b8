//! The simulated LDAP directory: the one server behind every reachable LDAP URL.
//!
//! The simulator opens no LDAP connection; whether a URL answers is
//! [`super::Reachability`], and what answers is this directory: bind accounts (a DN and a
//! password, such as the search DN Harbor is configured with), people (under
//! `ou=people,<suffix>`, each with a `uid`, a `cn`, a `mail` and a password to bind with) and
//! groups (under `ou=groups,<suffix>`). A new [`SimState`](super::SimState) has an empty
//! directory, which refuses every bind; the demo data holds
//!
//! | entry | password |
//! |---|---|
//! | `cn=admin,dc=example,dc=com` (the configured `ldap_search_dn`) | [`DEMO_ADMIN_PASSWORD`] |
//! | `uid=carol,ou=people,dc=example,dc=com` (also a user of the database) | [`DEMO_PEOPLE_PASSWORD`] |
//! | `uid=grace,ou=people,dc=example,dc=com`, `uid=heidi,...` (only in the directory) | [`DEMO_PEOPLE_PASSWORD`] |
//! | `cn=dev,ou=groups,dc=example,dc=com`, `cn=ops,ou=groups,dc=example,dc=com` | (groups) |
//!
//! Change it with `SimHandle::with_state(|s| s.ldap_directory.add_person(...))`.
//!
//! Binds answer as OpenLDAP's do (the server Harbor's own tests run against): the right
//! password of an entry succeeds; a wrong one, or a well-formed DN the directory lacks, is
//! result code 49 `Invalid Credentials` (slapd does not tell a missing entry apart); a DN
//! that does not parse is 34 `Invalid DN Syntax`.

/// The password of the demo directory's `cn=admin,dc=example,dc=com`, which the demo
/// configures as `ldap_search_password`.
pub const DEMO_ADMIN_PASSWORD: &str = "secret";

/// The password of every person of the demo directory.
pub const DEMO_PEOPLE_PASSWORD: &str = "Ldap12345";

/// A person of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapPerson {
    /// The `uid` and `cn` attributes (the entry is `uid=<uid>,ou=people,<suffix>`).
    pub uid: String,
    /// The `mail` attribute.
    pub mail: String,
    /// The password a bind as this person needs.
    pub password: String,
}

/// Why the directory refused a bind: an LDAP result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindRefusal {
    /// 49 `Invalid Credentials`: a wrong password, or no such entry.
    InvalidCredentials,
    /// 34 `Invalid DN Syntax`: the DN does not parse.
    InvalidDnSyntax,
}

/// The directory's entries (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LdapDirectory {
    suffix: String,
    accounts: Vec<(String, String)>,
    people: Vec<LdapPerson>,
    groups: Vec<String>,
}

/// A DN's relative names, each `attribute=value` with the attribute in lower case and both
/// sides trimmed and lowered (attribute types and the values of `uid`, `cn`, `ou`, `dc` match
/// without case), or `None` when it does not parse. The empty DN is the root, no names.
pub fn parse_dn(dn: &str) -> Option<Vec<String>> {
    if dn.trim().is_empty() {
        return Some(Vec::new());
    }
    dn.split(',')
        .map(|rdn| {
            let (attribute, value) = rdn.split_once('=')?;
            let (attribute, value) = (attribute.trim(), value.trim());
            let valid = !attribute.is_empty()
                && attribute
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            (valid && !value.is_empty())
                .then(|| format!("{}={}", attribute.to_lowercase(), value.to_lowercase()))
        })
        .collect()
}

/// Whether two DNs name one entry (both parse, and their names match).
pub fn same_dn(a: &str, b: &str) -> bool {
    matches!((parse_dn(a), parse_dn(b)), (Some(a), Some(b)) if a == b)
}

/// Whether `dn` is within a search from `base` with an LDAP scope (0 the base entry only,
/// 1 its children, 2 the whole subtree).
pub fn in_scope(dn: &str, base: &str, scope: i64) -> bool {
    let (Some(dn), Some(base)) = (parse_dn(dn), parse_dn(base)) else {
        return false;
    };
    if !dn.ends_with(&base) {
        return false;
    }
    match scope {
        0 => dn.len() == base.len(),
        1 => dn.len() == base.len() + 1,
        _ => true,
    }
}

impl LdapDirectory {
    /// An empty directory under `suffix` (`dc=example,dc=com`).
    pub fn new(suffix: &str) -> Self {
        Self {
            suffix: suffix.to_owned(),
            ..Self::default()
        }
    }

    /// The demo's directory (see the module docs).
    pub fn demo() -> Self {
        let mut d = Self::new("dc=example,dc=com");
        d.add_account("cn=admin,dc=example,dc=com", DEMO_ADMIN_PASSWORD);
        for uid in ["carol", "grace", "heidi"] {
            d.add_person(uid, &format!("{uid}@example.com"), DEMO_PEOPLE_PASSWORD);
        }
        for group in ["dev", "ops"] {
            d.add_group(group);
        }
        d
    }

    /// The DN every entry is under.
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// Adds (or replaces the password of) a bind account, such as a search DN.
    pub fn add_account(&mut self, dn: &str, password: &str) {
        self.accounts.retain(|(d, _)| !same_dn(d, dn));
        self.accounts.push((dn.to_owned(), password.to_owned()));
    }

    /// Adds a person (replacing one of that uid).
    pub fn add_person(&mut self, uid: &str, mail: &str, password: &str) {
        self.people.retain(|p| !p.uid.eq_ignore_ascii_case(uid));
        self.people.push(LdapPerson {
            uid: uid.to_owned(),
            mail: mail.to_owned(),
            password: password.to_owned(),
        });
    }

    /// Removes the person of that uid.
    pub fn remove_person(&mut self, uid: &str) {
        self.people.retain(|p| !p.uid.eq_ignore_ascii_case(uid));
    }

    /// Adds a group, named by its `cn`.
    pub fn add_group(&mut self, name: &str) {
        if !self.groups.iter().any(|g| g.eq_ignore_ascii_case(name)) {
            self.groups.push(name.to_owned());
        }
    }

    /// The DN of a person.
    pub fn person_dn(&self, person: &LdapPerson) -> String {
        format!("uid={},ou=people,{}", person.uid, self.suffix)
    }

    /// The DN of a group.
    pub fn group_dn(&self, group: &str) -> String {
        format!("cn={group},ou=groups,{}", self.suffix)
    }

    /// The people, with their DNs.
    pub fn people(&self) -> impl Iterator<Item = (String, &LdapPerson)> {
        self.people.iter().map(|p| (self.person_dn(p), p))
    }

    /// The groups' names, with their DNs.
    pub fn groups(&self) -> impl Iterator<Item = (String, &str)> {
        self.groups.iter().map(|g| (self.group_dn(g), g.as_str()))
    }

    /// A simple bind, as the server answers it (see the module docs).
    pub fn bind(&self, dn: &str, password: &str) -> Result<(), BindRefusal> {
        if parse_dn(dn).is_none() {
            return Err(BindRefusal::InvalidDnSyntax);
        }
        let accounts = self.accounts.iter().map(|(d, p)| (d.clone(), p.as_str()));
        let people = self.people().map(|(d, p)| (d, p.password.as_str()));
        let known = accounts
            .chain(people)
            .find(|(d, _)| same_dn(d, dn))
            .map(|(_, p)| p);
        match known {
            Some(expected) if expected == password => Ok(()),
            _ => Err(BindRefusal::InvalidCredentials),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_answer_as_openldap() {
        let d = LdapDirectory::demo();
        assert_eq!(
            d.bind("CN=admin, dc=Example,dc=com", DEMO_ADMIN_PASSWORD),
            Ok(())
        );
        assert_eq!(
            d.bind("cn=admin,dc=example,dc=com", "wrong"),
            Err(BindRefusal::InvalidCredentials)
        );
        assert_eq!(
            d.bind("cn=nobody,dc=example,dc=com", DEMO_ADMIN_PASSWORD),
            Err(BindRefusal::InvalidCredentials)
        );
        assert_eq!(d.bind("notadn", "x"), Err(BindRefusal::InvalidDnSyntax));
        assert_eq!(
            d.bind(
                "uid=grace,ou=people,dc=example,dc=com",
                DEMO_PEOPLE_PASSWORD
            ),
            Ok(())
        );
    }

    #[test]
    fn scopes_bound_searches() {
        let dn = "uid=grace,ou=people,dc=example,dc=com";
        assert!(in_scope(dn, "dc=example,dc=com", 2));
        assert!(!in_scope(dn, "dc=example,dc=com", 1));
        assert!(in_scope(dn, "ou=people,dc=example,dc=com", 1));
        assert!(in_scope(dn, dn, 0));
        assert!(in_scope(dn, "", 2));
        assert!(!in_scope(dn, "dc=other,dc=com", 2));
    }
}
