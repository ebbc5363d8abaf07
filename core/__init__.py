"""Infrastructure, not use cases: encryption, IIN, mail, throttles, charts, receipt codes,
passwords, message formats, upload cleaning and the domain error types. Models import
from here and from nowhere else in the app; services keep the use cases and read models."""
