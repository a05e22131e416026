//! The reverse of the plugin host: calling a library built for the System V
//! convention with `#[foreign_abi(sysv64)]` (code that reads the same on a
//! Windows host, where it is a real bridge), and handing one of its functions
//! to win64 code through a `Thunk`, so Microsoft-convention code calls
//! System V code.
//!
//! Run it with `cargo run -p abi-bridge-examples --bin sysv64-library`.

use abi_bridge::{foreign_abi, Conv, ForeignType, Signature, Thunk};

#[derive(Clone, Copy, Debug, PartialEq, ForeignType)]
#[repr(C)]
struct Point {
    x: f64,
    y: f64,
}

/// 32 bytes: sysv64 copies it onto the stack, win64 would pass a pointer.
#[derive(Clone, Copy, Debug, PartialEq, ForeignType)]
#[repr(C)]
#[foreign_type(expect(sysv64 = "memory", win64 = "by-ref"))]
struct Box2 {
    min: Point,
    max: Point,
}

#[foreign_abi(sysv64, library = Geometry)]
extern "C" {
    fn box_area(b: Box2) -> f64;
    fn box_center(b: Box2) -> Point;
}

#[foreign_abi(win64, library = EchoPlugin)]
extern "C" {
    /// Takes a win64 function pointer: whatever we pass must be callable as win64.
    fn plugin_map(samples: *mut f32, n: i32, transform: extern "win64" fn(f32, i32) -> f32) -> i32;
}

fn main() -> Result<(), abi_bridge::Error> {
    // SAFETY: our own libraries; the declarations match geometry.c and echo_plugin.c.
    let (geometry, plugin) =
        unsafe { (Geometry::load(env!("GEOMETRY_PATH"))?, EchoPlugin::load(env!("ECHO_PLUGIN_PATH"))?) };
    let b = Box2 { min: Point { x: 1.0, y: 2.0 }, max: Point { x: 4.0, y: 6.0 } };
    // SAFETY: (every call below) the declarations match the C code.
    let (area, center) = unsafe { (geometry.box_area(b), geometry.box_center(b)) };
    println!("sysv64 library: box_area({b:?}) = {area}, box_center = {center:?}");
    assert_eq!((area, center), (12.0, Point { x: 2.5, y: 4.0 }));

    // win64 code calling System V code: a thunk callable as win64 that calls
    // the sysv64 `soft_clip`.
    let soft_clip = geometry.library().symbol("soft_clip")?;
    let sig = Signature::of::<fn(f32, i32) -> f32>();
    let thunk = Thunk::new(Conv::Win64, Conv::SysV64, &sig, soft_clip)?;
    // SAFETY: the thunk is callable as win64 with exactly this signature.
    let transform: extern "win64" fn(f32, i32) -> f32 = unsafe { core::mem::transmute(thunk.entry()) };
    let mut samples = [-1.0f32, -0.5, 0.0, 0.25, 0.9];
    let expected = samples.map(|x| {
        if x > 0.5 {
            0.5 + (x - 0.5) * 0.25
        } else if x < -0.5 {
            -0.5 + (x + 0.5) * 0.25
        } else {
            x
        }
    });
    // SAFETY: `samples` holds `len` floats; `transform` is callable as win64.
    unsafe { plugin.plugin_map(samples.as_mut_ptr(), samples.len() as i32, transform) };
    println!("win64 plugin_map with the sysv64 soft_clip through a thunk: {samples:?}");
    assert_eq!(samples, expected, "the same soft clip computed in Rust");
    println!("ok");
    Ok(())
}
