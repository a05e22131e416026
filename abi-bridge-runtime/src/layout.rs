//! Where a value's bytes are: C layout rules for structs, unions and arrays.
//!
//! C layout reads nothing of a type but its size and alignment, so this
//! module depends on nothing else in the crate: [`types`](crate::types) and
//! the code of `#[derive(ForeignType)]` hand it sizes and alignments and
//! build their descriptions from the offsets it returns. Everything here is
//! `const fn`, so the derive computes a struct's layout at compile time with
//! the very code that run-time type descriptions use.

/// Rounds `offset` up to a multiple of `align` (a power of two).
pub const fn align_up(offset: usize, align: usize) -> usize {
    (offset + align - 1) & !(align - 1)
}

/// What a record's attributes change in its C layout: `#[repr(packed(N))]`
/// (gcc: `#pragma pack(N)`; `packed` alone and `__attribute__((packed))` are
/// `N = 1`) caps every field's alignment at `N`, and `#[repr(align(N))]`
/// (gcc: `__attribute__((aligned(N)))` on the record) raises the record's
/// own alignment to at least `N`, which rounds its size up, without moving
/// any field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordAttrs {
    /// No field is aligned past this (a power of two).
    pub max_field_align: usize,
    /// The record is aligned to at least this (a power of two).
    pub min_align: usize,
}

impl RecordAttrs {
    /// Plain `#[repr(C)]`: fields at their own alignment.
    pub const C: RecordAttrs = RecordAttrs { max_field_align: usize::MAX, min_align: 1 };

    /// `#[repr(C, packed(n))]`.
    pub const fn packed(n: usize) -> RecordAttrs {
        RecordAttrs { max_field_align: n, ..RecordAttrs::C }
    }

    /// `#[repr(C, align(n))]`.
    pub const fn aligned(n: usize) -> RecordAttrs {
        RecordAttrs { min_align: n, ..RecordAttrs::C }
    }
}

/// The C layout of a struct or union, built one field at a time.
///
/// C (and `#[repr(C)]`) places each struct field at the next offset that is a
/// multiple of its alignment, and every union field at offset 0; the aggregate
/// is as aligned as its most aligned field and its size is rounded up to that
/// alignment. [`RecordAttrs`] cap the fields' alignment and raise the
/// record's.
#[derive(Clone, Copy, Debug)]
pub struct RecordLayout {
    end: usize,
    align: usize,
    union: bool,
    attrs: RecordAttrs,
}

impl RecordLayout {
    /// An empty struct (`union == false`) or union layout.
    pub const fn new(union: bool) -> RecordLayout {
        RecordLayout::with_attrs(union, RecordAttrs::C)
    }

    /// An empty struct or union layout with packing or over-alignment.
    pub const fn with_attrs(union: bool, attrs: RecordAttrs) -> RecordLayout {
        let align = if attrs.min_align > 1 { attrs.min_align } else { 1 };
        RecordLayout { end: 0, align, union, attrs }
    }

    /// Places the next field, of `size` bytes aligned to `align` (a power of
    /// two), and returns its offset.
    pub const fn place(&mut self, size: usize, align: usize) -> usize {
        let align = if align > self.attrs.max_field_align { self.attrs.max_field_align } else { align };
        if align > self.align {
            self.align = align;
        }
        if self.union {
            if size > self.end {
                self.end = size;
            }
            0
        } else {
            let offset = align_up(self.end, align);
            self.end = offset + size;
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

/// The size and alignment of the C array `elem[len]`, whose element has
/// `elem_size` bytes aligned to `elem_align`: C packs the elements at a
/// stride of their size (already a multiple of their alignment), and the
/// array is as aligned as one element.
pub const fn array(elem_size: usize, elem_align: usize, len: usize) -> (usize, usize) {
    (elem_size * len, elem_align)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_fields_are_aligned_and_size_is_rounded() {
        let mut l = RecordLayout::new(false);
        assert_eq!(l.place(1, 1), 0);
        assert_eq!(l.place(8, 8), 8);
        assert_eq!(l.place(2, 2), 16);
        assert_eq!((l.size(), l.align()), (24, 8));
    }

    #[test]
    fn union_fields_overlap() {
        let mut l = RecordLayout::new(true);
        assert_eq!(l.place(1, 1), 0);
        assert_eq!(l.place(6, 2), 0);
        assert_eq!((l.size(), l.align()), (6, 2));
    }

    #[test]
    fn arrays_keep_their_element_alignment() {
        assert_eq!(array(2, 2, 3), (6, 2));
        // `struct { double d; char c; }` is 16 bytes, so two of them are 32.
        assert_eq!(array(16, 8, 2), (32, 8));
    }

    #[test]
    fn packing_caps_field_alignment() {
        // `struct __attribute__((packed)) { char c; int i; }`: 5 bytes.
        let mut l = RecordLayout::with_attrs(false, RecordAttrs::packed(1));
        assert_eq!(l.place(1, 1), 0);
        assert_eq!(l.place(4, 4), 1);
        assert_eq!((l.size(), l.align()), (5, 1));
        // `#pragma pack(2)`: `{ char c; int i; }` puts `i` at 2, 6 bytes.
        let mut l = RecordLayout::with_attrs(false, RecordAttrs::packed(2));
        assert_eq!(l.place(1, 1), 0);
        assert_eq!(l.place(4, 4), 2);
        assert_eq!((l.size(), l.align()), (6, 2));
        // A cap above every field's alignment changes nothing.
        let mut l = RecordLayout::with_attrs(false, RecordAttrs::packed(16));
        assert_eq!((l.place(1, 1), l.place(8, 8)), (0, 8));
        assert_eq!((l.size(), l.align()), (16, 8));
    }

    #[test]
    fn over_alignment_rounds_the_size_and_moves_no_field() {
        // `struct __attribute__((aligned(32))) { long a; char b; }`.
        let mut l = RecordLayout::with_attrs(false, RecordAttrs::aligned(32));
        assert_eq!((l.place(8, 8), l.place(1, 1)), (0, 8));
        assert_eq!((l.size(), l.align()), (32, 32));
        // Under the natural alignment it changes nothing, as in C and Rust.
        let mut l = RecordLayout::with_attrs(true, RecordAttrs::aligned(2));
        assert_eq!(l.place(8, 8), 0);
        assert_eq!((l.size(), l.align()), (8, 8));
    }

    #[test]
    fn layouts_are_computed_in_const_context() {
        const SIZE: usize = {
            let mut l = RecordLayout::new(false);
            l.place(4, 4);
            l.place(1, 1);
            l.size()
        };
        assert_eq!(SIZE, 8);
    }
}
