//! Fieldless enums travel as their integer `repr`, under their own name.
#![deny(warnings)]
#![allow(dead_code)] // the variants only exist to be described

use abi_bridge::plan::Scalar;
use abi_bridge::ForeignType;

macro_rules! enums {
    ($($repr:ident $name:ident => $scalar:ident),* $(,)?) => {
        $(
            #[derive(Clone, Copy, ForeignType)]
            #[repr($repr)]
            pub enum $name { A, B = 7 }
        )*

        fn main() {
            $(
                let desc = <$name as ForeignType>::DESC;
                assert_eq!(desc.name, stringify!($name));
                assert_eq!(desc.as_scalar(), Some(Scalar::$scalar), stringify!($name));
                assert_eq!(desc.size, core::mem::size_of::<$name>());
                assert_eq!(desc.align, core::mem::align_of::<$name>());
            )*
        }
    };
}

enums! {
    u8 EU8 => U8, i8 EI8 => I8, u16 EU16 => U16, i16 EI16 => I16,
    u32 EU32 => U32, i32 EI32 => I32, u64 EU64 => U64, i64 EI64 => I64,
    usize EUsize => U64, isize EIsize => I64,
}
