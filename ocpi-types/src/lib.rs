//! OCPI 2.2.1 and 2.1.1 objects, envelope, status codes and paging, typed and validated.
