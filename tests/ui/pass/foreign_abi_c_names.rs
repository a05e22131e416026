//! C-style names (`SDL_GetTicks`, `hWnd`) compile without warnings in both
//! modes, as they do in a plain `extern` block.
#![deny(warnings)]

use abi_bridge::foreign_abi;

/// The "foreign" side: Rust compiled for win64, as a gcc -mabi=ms object would be.
#[allow(non_snake_case)]
mod plugin {
    #[unsafe(no_mangle)]
    pub extern "win64" fn SDL_GetTicks() -> u32 {
        42
    }

    #[unsafe(no_mangle)]
    pub extern "win64" fn glGetError(hWnd: *const u8) -> u32 {
        hWnd.is_null() as u32
    }
}

#[foreign_abi(win64)]
extern "C" {
    fn SDL_GetTicks() -> u32;
    fn glGetError(hWnd: *const u8) -> u32;
}

#[foreign_abi(win64, library = Sdl)]
extern "C" {
    fn SDL_GetTicks() -> u32;
    #[optional]
    fn SDL_Quit();
}

fn main() {
    assert_eq!(unsafe { SDL_GetTicks() }, 42);
    assert_eq!(unsafe { glGetError(core::ptr::null()) }, 1);
    // A library that is not there: the type and its methods still compile cleanly.
    assert!(unsafe { Sdl::load("libabi_bridge_no_such_sdl.so") }.is_err());
}
