//! SKELETON (core engineer): reserving, copying, relocating and protecting an image.
