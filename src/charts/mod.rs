//! Charts drawn with plotters, generic over `DrawingBackend` (being written).
