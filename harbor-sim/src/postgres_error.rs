//! PostgreSQL's refusals as Harbor logs them, in the one form every simulated one takes.
//!
//! Harbor's ORM reaches PostgreSQL through pgx, not lib/pq: `src/common/dao/pgsql.go`
//! imports `github.com/jackc/pgx/v5/stdlib` and registers beego's driver `pgx`
//! (`orm.RegisterDriver("pgx", orm.DRPostgres)`, `orm.RegisterDataBase(an, "pgx", ...)`),
//! `src/go.mod` requires `github.com/jackc/pgx/v5` (lib/pq only indirectly), and
//! `src/lib/orm/error.go` reads a server error as `*pgconn.PgError` (`Code == "23505"`,
//! `"23503"`). A server error is therefore pgconn's `PgError`, whose `Error()`
//! (`pgconn/errors.go`) is `Severity + ": " + Message + " (SQLSTATE " + Code + ")"`:
//! `ERROR: invalid input syntax for type bigint: "abc" (SQLSTATE 22P02)`. A DAO that does not
//! turn it into a coded error passes it on, Harbor's uncoded 500 ([`ApiError::uncoded`]),
//! whose cause is that text.

use std::fmt::Display;

use crate::errors::ApiError;

/// A PostgreSQL error condition the simulated queries meet, by its SQLSTATE (PostgreSQL's
/// `src/backend/utils/errcodes.txt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SqlState {
    /// `22001` `string_data_right_truncation`: a value too long for its `varchar(n)`.
    StringDataRightTruncation,
    /// `22003` `numeric_value_out_of_range`: an integer's text beyond its type's range
    /// (`int4in`, `int8in`).
    NumericValueOutOfRange,
    /// `22007` `invalid_datetime_format`: date/time text PostgreSQL cannot parse.
    InvalidDatetimeFormat,
    /// `22008` `datetime_field_overflow` (also `ERRCODE_DATETIME_VALUE_OUT_OF_RANGE`): a
    /// date/time field, or the timestamp, out of range.
    DatetimeFieldOverflow,
    /// `22009` `invalid_time_zone_displacement_value`.
    InvalidTimeZoneDisplacementValue,
    /// `22023` `invalid_parameter_value`: an unknown time zone.
    InvalidParameterValue,
    /// `22P02` `invalid_text_representation`: text that is no integer or boolean.
    InvalidTextRepresentation,
    /// `23505` `unique_violation`.
    UniqueViolation,
    /// `42601` `syntax_error`.
    SyntaxError,
}

impl SqlState {
    /// The five-character code.
    pub(crate) const fn code(self) -> &'static str {
        match self {
            Self::StringDataRightTruncation => "22001",
            Self::NumericValueOutOfRange => "22003",
            Self::InvalidDatetimeFormat => "22007",
            Self::DatetimeFieldOverflow => "22008",
            Self::InvalidTimeZoneDisplacementValue => "22009",
            Self::InvalidParameterValue => "22023",
            Self::InvalidTextRepresentation => "22P02",
            Self::UniqueViolation => "23505",
            Self::SyntaxError => "42601",
        }
    }
}

/// PostgreSQL's error `message` (its `errmsg`, as the server words it) of condition `state`,
/// as pgconn's `PgError.Error()` writes it: `ERROR: <message> (SQLSTATE <code>)`.
pub(crate) fn pg_error(state: SqlState, message: impl Display) -> String {
    format!("ERROR: {message} (SQLSTATE {})", state.code())
}

/// [`pg_error`] as the uncoded 500 Harbor answers it with.
pub(crate) fn refusal(state: SqlState, message: impl Display) -> ApiError {
    ApiError::uncoded(pg_error(state, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_pgconn_writes() {
        assert_eq!(
            pg_error(
                SqlState::InvalidTextRepresentation,
                "invalid input syntax for type bigint: \"abc\""
            ),
            "ERROR: invalid input syntax for type bigint: \"abc\" (SQLSTATE 22P02)"
        );
        assert_eq!(
            pg_error(
                SqlState::NumericValueOutOfRange,
                "value \"99999999999999999999\" is out of range for type bigint"
            ),
            "ERROR: value \"99999999999999999999\" is out of range for type bigint \
             (SQLSTATE 22003)"
        );
        let refused = refusal(SqlState::SyntaxError, r#"syntax error at or near ")""#);
        assert_eq!(refused.status, 500);
        assert_eq!(
            refused.message,
            r#"ERROR: syntax error at or near ")" (SQLSTATE 42601)"#
        );
    }
}
