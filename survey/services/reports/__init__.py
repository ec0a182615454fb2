"""The quarterly and annual reports for the province and the ministry (issue 15).

:mod:`.build` turns the report tables (:mod:`survey.services.reporting`) into the sheets
of the report as plain data (:mod:`.model`); :mod:`survey.io.reports` writes them as
XLSX, CSV (zip) and PDF; :mod:`.signoff` keeps the versions and their sign-off;
:mod:`.microdata` is the anonymous extract for analysts.
"""
