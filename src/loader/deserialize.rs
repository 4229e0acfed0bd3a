//! A serde `Deserializer` reading a `Node` tree directly, so the canonical tree binds into
//! the `model` types without first becoming a `serde_json::Value` (a copy of the whole
//! project). It makes the visitor calls serde_json's `Value` makes for the same JSON
//! (`Node::to_json`), so anything binds here exactly when it binds from JSON.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

use super::node::{Mapping, Node, Value};

/// Why a tree does not bind (the JSON path then says it in serde_json's words).
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

/// Binds `node` into `T`.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, Error> {
    T::deserialize(NodeDeserializer(node))
}

#[derive(Clone, Copy)]
struct NodeDeserializer<'de>(&'de Node);

impl<'de> NodeDeserializer<'de> {
    fn unexpected(self) -> de::Unexpected<'de> {
        match &self.0.value {
            Value::Null => de::Unexpected::Unit,
            Value::Bool(flag) => de::Unexpected::Bool(*flag),
            Value::Int(number) => de::Unexpected::Signed(*number),
            Value::Float(number) => de::Unexpected::Float(*number),
            Value::String(text) => de::Unexpected::Str(text),
            Value::Seq(_) => de::Unexpected::Seq,
            Value::Map(_) => de::Unexpected::Map,
        }
    }
}

fn visit_seq<'de, V: Visitor<'de>>(items: &'de [Node], visitor: V) -> Result<V::Value, Error> {
    let mut access = SeqAccess {
        items: items.iter(),
    };
    let value = visitor.visit_seq(&mut access)?;
    // serde_json refuses a sequence the visitor did not read to the end.
    if access.items.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(
            items.len(),
            &"fewer elements in array",
        ))
    }
}

fn visit_map<'de, V: Visitor<'de>>(map: &'de Mapping, visitor: V) -> Result<V::Value, Error> {
    let mut access = MapAccess {
        entries: map.iter(),
        value: None,
    };
    let value = visitor.visit_map(&mut access)?;
    if access.entries.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(
            map.len(),
            &"fewer elements in map",
        ))
    }
}

impl<'de> Deserializer<'de> for NodeDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(flag) => visitor.visit_bool(*flag),
            // serde_json keeps non-negative integers as `u64`.
            Value::Int(number) => match u64::try_from(*number) {
                Ok(unsigned) => visitor.visit_u64(unsigned),
                Err(_) => visitor.visit_i64(*number),
            },
            // `to_json` turns NaN and infinities into `null`.
            Value::Float(number) => {
                if number.is_finite() {
                    visitor.visit_f64(*number)
                } else {
                    visitor.visit_unit()
                }
            }
            Value::String(text) => visitor.visit_borrowed_str(text),
            Value::Seq(items) => visit_seq(items, visitor),
            Value::Map(map) => visit_map(map, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::Null => visitor.visit_none(),
            Value::Float(number) if !number.is_finite() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::String(variant) => visitor.visit_enum(EnumAccess {
                variant,
                value: None,
            }),
            Value::Map(map) => {
                let mut entries = map.iter();
                match (entries.next(), entries.next()) {
                    (Some((variant, entry)), None) => visitor.visit_enum(EnumAccess {
                        variant,
                        value: Some(&entry.value),
                    }),
                    _ => Err(de::Error::invalid_value(
                        de::Unexpected::Map,
                        &"map with a single key",
                    )),
                }
            }
            _ => Err(de::Error::invalid_type(self.unexpected(), &"string or map")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    // The typed requests of serde_json's `Value` refuse other types before the visitor
    // sees them; so do these.

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::Bool(flag) => visitor.visit_bool(*flag),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::String(text) => visitor.visit_borrowed_str(text),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::String(text) => visitor.visit_borrowed_str(text),
            Value::Seq(items) => visit_seq(items, visitor),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::Null => visitor.visit_unit(),
            Value::Float(number) if !number.is_finite() => visitor.visit_unit(),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::Seq(items) => visit_seq(items, visitor),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _length: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _length: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::Map(map) => visit_map(map, visitor),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::Map(map) => visit_map(map, visitor),
            Value::Seq(items) => visit_seq(items, visitor),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64
    }
}

struct SeqAccess<'de> {
    items: std::slice::Iter<'de, Node>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.items
            .next()
            .map(|item| seed.deserialize(NodeDeserializer(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapAccess<'de> {
    entries: indexmap::map::Iter<'de, String, super::node::Entry>,
    value: Option<&'de Node>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, entry)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(&entry.value);
        let key: de::value::BorrowedStrDeserializer<'de, Error> =
            de::value::BorrowedStrDeserializer::new(key);
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("value is missing"))?;
        seed.deserialize(NodeDeserializer(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct EnumAccess<'de> {
    variant: &'de str,
    value: Option<&'de Node>,
}

impl<'de> de::EnumAccess<'de> for EnumAccess<'de> {
    type Error = Error;
    type Variant = VariantAccess<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantAccess<'de>), Error> {
        let variant: de::value::BorrowedStrDeserializer<'de, Error> =
            de::value::BorrowedStrDeserializer::new(self.variant);
        let value = seed.deserialize(variant)?;
        Ok((value, VariantAccess { value: self.value }))
    }
}

struct VariantAccess<'de> {
    value: Option<&'de Node>,
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            None => Ok(()),
            Some(node) => de::Deserialize::deserialize(NodeDeserializer(node)),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.value {
            Some(node) => seed.deserialize(NodeDeserializer(node)),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _length: usize, visitor: V) -> Result<V::Value, Error> {
        match self.value.map(|node| &node.value) {
            Some(Value::Seq(items)) => visit_seq(items, visitor),
            _ => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value.map(|node| &node.value) {
            Some(Value::Map(map)) => visit_map(map, visitor),
            _ => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::Project;

    /// Binding from the tree gives what binding from its JSON gives; whether it binds.
    fn same_as_json(document: &serde_json::Value) -> bool {
        let tree = Node::from_json(document);
        let from_json: Result<Project, _> = serde_json::from_value(tree.to_json());
        let from_tree: Result<Project, _> = from_node(&tree);
        match (from_json, from_tree) {
            (Ok(expected), Ok(found)) => {
                assert_eq!(expected, found);
                true
            }
            (Err(_), Err(_)) => false,
            (expected, found) => panic!("json: {expected:?}\ntree: {found:?}"),
        }
    }

    #[test]
    fn binds_like_serde_json() {
        assert!(same_as_json(&json!({
            "name": "p",
            "services": {
                "web": {
                    "image": "nginx",
                    "command": ["sh", "-c", "x"],
                    "entrypoint": null,
                    "environment": {"A": "1", "B": null},
                    "ports": [{"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}],
                    "healthcheck": {"test": ["CMD", "true"], "interval": "1m30s", "retries": 3},
                    "deploy": {"resources": {"limits": {"cpus": 0.5, "memory": "1024"}}},
                    "ulimits": {"nofile": {"soft": 1, "hard": 2}, "nproc": 5},
                    "x-extra": {"a": [1, 2.5, true]},
                    "depends_on": {"db": {"condition": "service_healthy", "required": true, "restart": false}}
                },
                "db": {"image": "postgres", "command": null, "entrypoint": null}
            },
            "networks": {"default": {"name": "p_default", "ipam": {}}},
            "volumes": {"data": {"name": "p_data", "external": true}},
            "x-top": {"b": 1, "a": "two"}
        })));
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for document in [
            json!({"name": "p", "services": {"web": {"ports": ["80:80"]}}}),
            json!({"name": "p", "services": {"web": {"healthcheck": {"retries": -1}}}}),
            json!({"name": "p", "services": {"web": {"scale": "x"}}}),
            json!({"name": "p", "services": []}),
        ] {
            assert!(!same_as_json(&document), "{document}");
        }
    }
}
