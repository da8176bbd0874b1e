//! JSON read strictly, for input a person wrote (replay lines): an object that names a key twice
//! is refused (a plain parse keeps the last value silently), and an integer too large for 64 bits
//! is refused as the integer it is (a plain parse turns it into a rounded float, and the error
//! that follows names the float). Everything else reads as [`serde_json::from_str`] reads it.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses `text` as one JSON value, refusing duplicate keys and integers outside
/// `i64::MIN ..= u64::MAX`. The error says what and where: "not valid JSON: …" with the
/// position (a key named twice among them), or the integer as written.
pub fn from_str(text: &str) -> Result<Value, String> {
    if let Some(big) = first_oversized_integer(text) {
        return Err(format!(
            "the integer {big} is outside the range of a JSON number here \
             ({} to {}); write large amounts as strings, e.g. \"{big}\"",
            i64::MIN,
            u64::MAX
        ));
    }
    serde_json::from_str::<Strict>(text).map(|s| s.0).map_err(|e| format!("not valid JSON: {e}"))
}

/// The first integer literal of `text` (outside strings) that does not fit `i64` or `u64`.
fn first_oversized_integer(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let (mut i, mut in_string) = (0, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let start = i;
            i += 1;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || b".eE+-".contains(&bytes[i])) {
                i += 1;
            }
            let token = &text[start..i];
            let integer = !token.contains(['.', 'e', 'E']);
            if integer && token.parse::<u64>().is_err() && token.parse::<i64>().is_err() {
                let digits = token.trim_start_matches('-');
                if !digits.is_empty() && digits.bytes().all(|d| d.is_ascii_digit()) {
                    return Some(token);
                }
            }
            continue;
        }
        i += 1;
    }
    None
}

/// A [`Value`] whose objects were read without a duplicate key.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut obj = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if obj.contains_key(&key) {
                return Err(de::Error::custom(format_args!("the key \"{key}\" appears twice")));
            }
            let Strict(v) = map.next_value()?;
            obj.insert(key, v);
        }
        Ok(Value::Object(obj))
    }
}

/// A record read from a JSON object only. serde reads a struct from a list too, field by field
/// in order, so `["300", "2"]` would pass for `{"pond": "300", "mpond": "2"}` and two values of
/// one kind could swap without a word; a list here is refused ("invalid type: sequence,
/// expected an object …"). Used through [`objects`], [`object_map`] and [`object_opt`] on the
/// fields of input structs that hold records.
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Fields<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object ({…}) naming its fields, not a list")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Fields(std::marker::PhantomData)).map(Object)
    }
}

/// `#[serde(deserialize_with)]` of a list of records, each an object ([`Object`]).
pub fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Vec::<Object<T>>::deserialize(d)?.into_iter().map(|o| o.0).collect())
}

/// `#[serde(deserialize_with)]` of a map of records by name, each an object ([`Object`]).
pub fn object_map<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, T>, D::Error> {
    let m = std::collections::BTreeMap::<String, Object<T>>::deserialize(d)?;
    Ok(m.into_iter().map(|(k, o)| (k, o.0)).collect())
}

/// `#[serde(default, deserialize_with)]` of an optional record, an object ([`Object`]).
pub fn object_opt<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(Option::<Object<T>>::deserialize(d)?.map(|o| o.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_a_plain_parse_reads() {
        let text = r#"{"op":"transfer","from":"a","to":"b","amount":"1000","n":[1,-2,3.5,true,null],"o":{"x":"\"9\""}}"#;
        assert_eq!(from_str(text).unwrap(), serde_json::from_str::<Value>(text).unwrap());
        // The extremes of 64 bits are still numbers.
        let edges = r#"[18446744073709551615,-9223372036854775808,1e30]"#;
        assert_eq!(from_str(edges).unwrap(), serde_json::from_str::<Value>(edges).unwrap());
    }

    #[test]
    fn refuses_a_key_named_twice() {
        let e =
            from_str(r#"{"op":"genesis","accounts":{"alice":"1000","alice":"7"}}"#).unwrap_err();
        assert!(e.contains("the key \"alice\" appears twice"), "{e}");
    }

    #[test]
    fn refuses_an_integer_beyond_64_bits_as_written() {
        // 2^128 and 2^64: a plain parse reads them as 3.402823669209385e38 and 1.8446744073709552e19.
        let e = from_str(r#"{"op":"mint","amount":340282366920938463463374607431768211456}"#)
            .unwrap_err();
        assert!(
            e.starts_with("the integer 340282366920938463463374607431768211456 is outside"),
            "{e}"
        );
        let e = from_str(r#"{"op":"advance","epochs":18446744073709551616}"#).unwrap_err();
        assert!(e.contains("18446744073709551616"), "{e}");
        assert!(
            from_str(r#"{"n":-9223372036854775809}"#).unwrap_err().contains("-9223372036854775809")
        );
        // Digits inside a string are the string's business.
        assert!(from_str(r#"{"amount":"340282366920938463463374607431768211456"}"#).is_ok());
        assert!(from_str(r#"{"s":"a\"b 99999999999999999999999"}"#).is_ok());
    }

    /// A record is read from an object, by name; a list in its place is refused, where serde
    /// alone would read it field by field in order.
    #[test]
    fn a_record_is_an_object_never_a_list() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Pair {
            a: u32,
            b: u32,
        }
        #[derive(Debug, serde::Deserialize)]
        struct Outer {
            #[serde(default, deserialize_with = "objects")]
            list: Vec<Pair>,
            #[serde(default, deserialize_with = "object_map")]
            map: std::collections::BTreeMap<String, Pair>,
            #[serde(default, deserialize_with = "object_opt")]
            one: Option<Pair>,
        }
        let read = |t: &str| serde_json::from_str::<Outer>(t).map_err(|e| e.to_string());
        let ok = read(r#"{"list":[{"b":2,"a":1}],"map":{"k":{"a":3,"b":4}},"one":{"a":5,"b":6}}"#)
            .unwrap();
        assert_eq!(ok.list, [Pair { a: 1, b: 2 }]);
        assert_eq!(ok.map["k"], Pair { a: 3, b: 4 });
        assert_eq!(ok.one, Some(Pair { a: 5, b: 6 }));
        assert_eq!(read("{}").unwrap().one, None);
        assert_eq!(read(r#"{"one":null}"#).unwrap().one, None);
        for bad in [r#"{"list":[[1,2]]}"#, r#"{"map":{"k":[3,4]}}"#, r#"{"one":[5,6]}"#] {
            let e = read(bad).unwrap_err();
            assert!(e.contains("invalid type: sequence, expected an object"), "{bad}: {e}");
        }
        // What the record itself refuses is still refused.
        assert!(read(r#"{"one":{"a":1,"b":2,"c":3}}"#).unwrap_err().contains("unknown field `c`"));
    }
}
