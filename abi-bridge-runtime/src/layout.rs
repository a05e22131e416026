//! Where a value's bytes are: C layout rules for structs, unions and arrays.
//!
//! Everything here is `const fn`, so `#[derive(ForeignType)]` computes a
//! struct's layout at compile time with the very code that run-time type
//! descriptions use.

use crate::types::{TypeDesc, TypeKind};

/// Rounds `offset` up to a multiple of `align` (a power of two).
pub const fn align_up(offset: usize, align: usize) -> usize {
    (offset + align - 1) & !(align - 1)
}

/// The C layout of a struct or union, built one field at a time.
///
/// C (and `#[repr(C)]`) places each struct field at the next offset that is a
/// multiple of its alignment, and every union field at offset 0; the aggregate
/// is as aligned as its most aligned field and its size is rounded up to that
/// alignment.
#[derive(Clone, Copy, Debug)]
pub struct RecordLayout {
    end: usize,
    align: usize,
    union: bool,
}

impl RecordLayout {
    /// An empty struct (`union == false`) or union layout.
    pub const fn new(union: bool) -> RecordLayout {
        RecordLayout { end: 0, align: 1, union }
    }

    /// Places the next field of type `ty` and returns its offset.
    pub const fn place(&mut self, ty: &TypeDesc) -> usize {
        if ty.align > self.align {
            self.align = ty.align;
        }
        if self.union {
            if ty.size > self.end {
                self.end = ty.size;
            }
            0
        } else {
            let offset = align_up(self.end, ty.align);
            self.end = offset + ty.size;
            offset
        }
    }

    /// The aggregate's size: the end of its last byte, rounded up to its alignment.
    pub const fn size(&self) -> usize {
        align_up(self.end, self.align)
    }

    /// The aggregate's alignment: that of its most aligned field.
    pub const fn align(&self) -> usize {
        self.align
    }
}

/// The description of the C array `elem[len]`.
pub const fn array(name: &'static str, elem: &'static TypeDesc, len: usize) -> TypeDesc {
    TypeDesc { name, size: elem.size * len, align: elem.align, kind: TypeKind::Array { elem, len } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ForeignType;

    #[test]
    fn struct_fields_are_aligned_and_size_is_rounded() {
        let mut l = RecordLayout::new(false);
        assert_eq!(l.place(u8::DESC), 0);
        assert_eq!(l.place(f64::DESC), 8);
        assert_eq!(l.place(u16::DESC), 16);
        assert_eq!((l.size(), l.align()), (24, 8));
    }

    #[test]
    fn union_fields_overlap() {
        let mut l = RecordLayout::new(true);
        assert_eq!(l.place(u8::DESC), 0);
        assert_eq!(l.place(<[u16; 3]>::DESC), 0);
        assert_eq!((l.size(), l.align()), (6, 2));
    }

    #[test]
    fn run_time_structs_are_interned_and_laid_out() {
        let a = TypeDesc::new_struct("CharDouble", &[("c", u8::DESC), ("d", f64::DESC)]).unwrap();
        let b = TypeDesc::new_struct("CharDouble", &[("c", u8::DESC), ("d", f64::DESC)]).unwrap();
        assert!(core::ptr::eq(a, b));
        assert_eq!((a.size, a.align), (16, 8));
        assert!(TypeDesc::new_struct("Empty", &[]).is_err());
    }
}
