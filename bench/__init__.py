"""Build benchmark: this site vs stock Pelican vs bare Python-Markdown (`invoke bench`).

Modules: corpus (seeded synthetic articles), report (pure table/ratio/target math),
runner (whole-process timed runs), floor (Markdown alone), __main__ (the command line).
"""
