"""The booking pages: /book/, /book/<state>/ and /book/elsewhere/."""

from pelican.generators import Generator

from .links import booking_pages


class BookingGenerator(Generator):
    """Writes the pages listed by links.booking_pages() from the theme's templates."""

    def generate_context(self):
        self.pages = booking_pages(self.settings["PRACTICE"])

    def generate_output(self, writer):
        for page in self.pages:
            writer.write_file(
                page.save_as,
                self.get_template(page.template),
                self.context,
                relative_urls=self.settings["RELATIVE_URLS"],
                url=page.url,
                booking_page=page,
                **page.context,
            )
