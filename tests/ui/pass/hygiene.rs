//! The generated code names nothing from the caller's scope: it compiles
//! without the prelude, and beside items named like its locals.
#![deny(warnings)]
#![allow(non_upper_case_globals)]

mod no_prelude {
    #![no_implicit_prelude]

    use ::abi_bridge::ForeignType;

    #[derive(Clone, Copy, ForeignType)]
    #[repr(C)]
    pub struct Vec2 {
        pub x: f64,
        pub y: f64,
    }

    #[derive(Clone, Copy, ForeignType)]
    #[repr(u8)]
    pub enum Mode {
        A,
    }
}

mod shadowing {
    use abi_bridge::ForeignType;

    pub const c: u8 = 0;
    pub const descs: u8 = 0;
    pub const class: u8 = 0;
    pub struct TypeDesc;
    pub struct Field;
    pub trait ForeignTypeAlias {}
    pub type Option = ();

    #[derive(Clone, Copy, ForeignType)]
    #[repr(C)]
    #[foreign_type(expect(win64 = "by-ref"))]
    pub struct Vec2 {
        pub x: f64,
        pub y: f64,
    }
}

fn main() {
    use abi_bridge::ForeignType;
    assert_eq!(no_prelude::Vec2::DESC.size, 16);
    assert_eq!(no_prelude::Mode::DESC.size, 1);
    assert_eq!(shadowing::Vec2::DESC.size, 16);
    let _ = (no_prelude::Mode::A, shadowing::c, shadowing::descs, shadowing::class);
}
