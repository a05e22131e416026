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

    /// Places the next field, of `size` bytes aligned to `align` (a power of
    /// two), and returns its offset.
    pub const fn place(&mut self, size: usize, align: usize) -> usize {
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
