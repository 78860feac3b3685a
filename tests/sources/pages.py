"""RECONSTRUCTIONS of the external databases' pages, for local test servers.

No real HTML copy of these sites was available (see ../shared/SOURCE-PAGES.md §0). Each page
below is rebuilt from SOURCE-PAGES.md's description of the real markup (element ids, classes,
labels, URL forms, date and encoding quirks) and filled with real values from that document
and from the shipped data (data/); where a row pairs values that were observed separately
(e.g. a date and a decision code), the pairing is illustrative. Nothing here is served as data.
"""

from __future__ import annotations

# -- OECD BioTrack: Product.aspx?id=MON-ØØ863-5 x MON-ØØ81Ø-6&style=print ---------------------
BIOTRACK_MON863_MON810 = """<html><head><title>BioTrack Product Database</title></head><body>
<form name="aspnetForm" method="post" action="Product.aspx?id=MON-%C3%98%C3%98863-5+x+MON-%C3%98%C3%9881%C3%98-6&amp;style=print" id="aspnetForm">
<h1>BioTrack Product Database</h1>
<span id="ctl00_ContentMain_lblProductId">MON-ØØ863-5 x MON-ØØ81Ø-6</span>
<table>
<tr><td>Transformation Event</td><td><span id="ctl00_ContentMain_lblTransEvent">MON863 x MON810</span></td></tr>
<tr><td>Trade Name</td><td><span id="ctl00_ContentMain_lblTradeName"></span></td></tr>
<tr><td>Applicant</td><td>Monsanto Company</td></tr>
<tr><td>Organism Common Names</td><td><span id="ctl00_ContentMain_lblCommonName">Maize</span></td></tr>
<tr><td>Organism Scientific Names</td><td><span id="ctl00_ContentMain_lblScientificName">Zea mays</span></td></tr>
<tr><td>Centre of Origin and Diversity</td><td><a href="#">Biology Consensus Document on Maize</a></td></tr>
<tr><td>Traits</td><td><span id="ctl00_ContentMain_lblTraits">Resistance to Coleoptera,<br>Resistance to Lepidoptera,<br>Resistance to Kanamycin</span></td></tr>
<tr><td>Genes</td><td><span id="ctl00_ContentMain_lblGenes">neomycin phosphotransferase II (npt II),<br>cry3Bb1,<br>cry1Ab,</span></td></tr>
</table>
<h3>European Union</h3>
<table>
<tr><th>Date of approval</th><th>Type of use</th><th>Authority</th><th>Decision</th><th>Risk assessment</th><th>Methods for detections-Reference materials</th></tr>
<tr><td>March 02, 2010</td><td>Food and Feed</td><td>European Commission</td><td><a href="#">EC-MON863xMON810</a></td><td><a href="#">EC-MON863xMON810-RA</a></td>
<td>Method for detection: <a href="http://gmo-crl.jrc.ec.europa.eu/StatusOfDossiers.aspx">http://gmo-crl.jrc.ec.europa.eu/StatusOfDossiers.aspx</a> Reference Material: ERM®-BF416 (for MON-ØØ863-5) and ERM®-BF413 (MON-ØØ81Ø-6) accessible via JRC, IRMM at</td></tr>
</table>
<table>
<tr><th>Date of approval</th><th>Type of use</th><th>Authority</th><th>Decision</th><th>Risk assessment</th><th>Methods for detections-Reference materials</th></tr>
<tr><td>May 09, 2002</td><td>Processing</td><td>European Commission</td><td></td><td></td><td></td></tr>
</table>
<p>[ OECD Home| BioTrack Online Home| Working Group | Novel Foods and Feeds | Regulatory Contacts| Publications ]</p>
</form></body></html>"""

# -- OECD BioTrack: MON810; Canadian rows carry the real CFIA dates and document numbers ------
BIOTRACK_MON810 = """<html><body><form id="aspnetForm">
<span id="ctl00_ContentMain_lblProductId">MON-ØØ81Ø-6</span>
<span id="ctl00_ContentMain_lblTransEvent">MON810</span>
<span id="ctl00_ContentMain_lblTradeName">YieldGard</span>
<span id="ctl00_ContentMain_lblCommonName">Maize</span>
<span id="ctl00_ContentMain_lblTraits">Resistance to Lepidoptera</span>
<h3>Canada</h3>
<table>
<tr><th>Date of approval</th><th>Type of use</th><th>Authority</th><th>Decision</th><th>Risk assessment</th><th>Methods for detections-Reference materials</th></tr>
<tr><td>January 22, 1997</td><td>Feed</td><td>Canadian Food Inspection Agency - Animal Feed Division</td><td>DD97-19</td><td></td><td></td></tr>
<tr><td>February 17, 1997</td><td>Food</td><td>Health Canada - GM Foods and Other Novel Foods</td><td></td><td></td><td></td></tr>
</table>
</form></body></html>"""

BIOTRACK_EMPTY = """<html><body><form><span id="ctl00_ContentMain_lblProductId"></span>
<span id="ctl00_ContentMain_lblTransEvent"></span></form></body></html>"""

BIOTRACK_LISTING = """<html><body><table>
<tr class="ctl00xContentMainxuwgProducts-ic"><td><a href="Product.aspx?id=MON-ØØ81Ø-6">MON-ØØ81Ø-6</a></td></tr>
<tr class="ctl00xContentMainxuwgProducts-ic"><td><a href="Product.aspx?id=MON-ØØ863-5 x MON-ØØ81Ø-6">MON-ØØ863-5 x MON-ØØ81Ø-6</a></td></tr>
</table></body></html>"""

# -- ISAAA: event/default.asp?EventID=85 (MON810); years filled by inline script --------------
# Canada years = the CFIA register's (1997); EU = 1998 (Commission Decision 98/294/EC).
ISAAA_MON810 = """<html><head><meta charset="utf-8"></head><body>
<div class="contenttext" id="contenttext">
<h1>Event Name: MON810</h1>
<p>Event Code : MON-ØØ81Ø-6<br>Trade Name: YieldGard™, MaizeGard™</p>
<p>Crop: <a href="/gmapprovaldatabase/crop/default.asp?CropID=6"><em>Zea mays L.</em> - Maize, Corn</a></p>
<p><strong>Developer:</strong><br /> <a href="/gmapprovaldatabase/developedby/default.asp?DeveloperID=2&DevelopedBy=Monsanto">Monsanto Company (including fully and partly owned companies)</a></p>
<p><strong>Method of Trait Introduction:</strong> Microparticle bombardment of plant cells or tissue</p>
<p><strong>GM Trait:</strong> <a href="/gmapprovaldatabase/gmtrait/default.asp?TraitID=3">Lepidopteran insect resistance</a></p>
<h2>Regulatory Approvals: Country, Year and Type of Approval</h2>
<table>
<tr><td>Country</td><td>Food (direct use or processing)</td><td>Feed (direct use or processing)</td><td>Cultivation (domestic or non-domestic use)</td></tr>
<tr><td><a href="/gmapprovaldatabase/approvedeventsin/default.asp?CountryID=CA">Canada</a></td><td><span id="y1"></span></td><td><span id="y2"></span></td><td><span id="y3"></span></td></tr>
<tr><td><a href="/gmapprovaldatabase/approvedeventsin/default.asp?CountryID=EU">European Union</a></td><td><span id="y4"></span></td><td><span id="y5"></span></td><td><span id="y6"></span></td></tr>
</table>
<script>document.getElementById("y1").innerHTML = "1997";
document.getElementById("y2").innerHTML = "1997";
document.getElementById("y3").innerHTML = "1997";
document.getElementById("y4").innerHTML = "1998 *";
document.getElementById("y5").innerHTML = "1998";
document.getElementById("y6").innerHTML = "1998";</script>
<p>* point mouse arrow over year for notes</p>
<p>Last updated: November 7, 2023</p>
</div></body></html>"""

ISAAA_LISTING = """<html><body><table><tr><td>Advanced search</td></tr></table>
<table>
<tr><td><a href="/gmapprovaldatabase/event/default.asp?EventID=85">MON810</a></td></tr>
<tr><td><a href="/gmapprovaldatabase/event/default.asp?Event=%7BrecEvents.EventName%7D&EventID=405">MON87403</a></td></tr>
</table></body></html>"""

ISAAA_MON87403 = """<html><body><div class="contenttext"><h1>Event Name: MON87403</h1>
<p>Event Code : MON-874Ø3-1<br>Trade Name: not available</p>
<p>Crop: <a href="#"><em>Zea mays L.</em> - Maize, Corn</a></p>
<p>Last updated: November 13, 2023</p></div></body></html>"""

# -- EUginius: gmo_detail.jsf?gmoname=MON810 and one application page -------------------------
EUGINIUS_MON810 = """<html><body>
<ul class="tabs"><li>detail view</li><li>molecular characterisation</li><li>GMO application</li></ul>
<ul class="gmo">
<li>GMO:<br>MON810</li>
<li>Alias:<br></li>
<li>UID:<br>MON-ØØ81Ø-6</li>
<li>Tradename:<br>YieldGard Corn Borer</li>
<li>Companies/Institutions:<br>Bayer Crop Science (formerly Monsanto Company)</li>
<li>Species:<br>Zea mays<br>(maize, corn)</li>
<li>Traits:<br>Pest/Disease resistance &gt; Insect resistance &gt; Lepidoptera resistance</li>
</ul>
<table class="methods">
<tr><th>Method</th><th>Scope</th><th>Targets</th><th>Description</th><th>Validation</th><th>Standardisation</th><th></th></tr>
<tr><td><a href="method_detailview.jsf;jsessionid=0A1B2C.subs262?method=QL-EVE-ZM-001">QL-EVE-ZM-001</a></td><td>event-specific</td><td>MON810</td><td>Qualitative conventional PCR method for the detection of maize event MON810 (ISO/FDIS 21569).</td><td>ring trial validation</td><td>ISO standard</td><td>1</td></tr>
<tr><td><a href="method_detailview.jsf?method=QT-EVE-ZM-020">QT-EVE-ZM-020</a></td><td>event-specific</td><td>MON810</td><td>Event-specific real-time PCR method for MON810.</td><td>ring trial validation</td><td>EU reference method</td><td>1</td></tr>
<tr><td><a href="method_detailview.jsf?method=QL-ELE-00-001">QL-ELE-00-001</a></td><td>element-specific</td><td>P-Cauliflower mosaic virus</td><td>Screening for the 35S promoter.</td><td>ring trial validation</td><td>ISO standard</td><td>1</td></tr>
</table>
<a href="application_detail.jsf;jsessionid=0A1B2C3D.subs262?application=-3743726497822912611">EFSA-GMO-RX-MON810 (8.1.a)</a>
</body></html>"""

EUGINIUS_APPLICATION = """<html><body>
<ul><li>Application reference number:<br>EFSA-GMO-RX-MON810 (8.1.a)</li>
<li>Country:<br>EU</li><li>Applicant:<br>Monsanto Europe</li>
<li>Legislation:<br>Regulation (EC) No 1829/2003</li>
<li>Decision date / Expiry date:<br>24.04.2015 / 23.04.2025</li></ul>
<table><tr><th>Use-Category</th><th>Intended Use</th><th>Detail</th><th>Status</th><th>Comment</th></tr>
<tr><td>food</td><td>food</td><td></td><td>approved</td><td></td></tr>
<tr><td>feed</td><td>feed</td><td></td><td>approved</td><td></td></tr>
<tr><td>cultivation</td><td>cultivation</td><td></td><td>not submitted</td><td></td></tr>
</table></body></html>"""

# -- EURL-GMFF GMOMETHODS: listing (2 pages) and one method page ------------------------------
GMOMETHODS_PAGE1 = """<html><body><h1>GMOMETHODS</h1><table>
<tr><td><a href="/gmomethods/show/QT-EVE-ZM-001/">QT-EVE-ZM-001</a></td><td>VCO-01981-5 insert (Maize)</td></tr>
<tr><td><a href="/gmomethods/show/QL-EVE-ZM-001/">QL-EVE-ZM-001</a></td><td>MON810 insert (Maize)</td></tr>
</table><a href="?page=2">next</a></body></html>"""

GMOMETHODS_PAGE2 = """<html><body><h1>GMOMETHODS</h1><table>
<tr><td><a href="/gmomethods/show/QT-EVE-BN-001/">QT-EVE-BN-001</a></td><td>T45 (oilseed rape)</td></tr>
<tr><td><a href="/gmomethods/show/QL-ELE-00-004/">QL-ELE-00-004</a></td><td>P-35S</td></tr>
</table></body></html>"""

GMOMETHODS_QL_EVE_ZM_001 = """<html><body><h1>QL-EVE-ZM-001</h1>
<p>Target: MON810 insert (Maize)</p><p>Method type: event-specific</p><p>Accession: none</p>
<p><a href="https://gmo-crl.jrc.ec.europa.eu/summaries/Mon810_validation_report.pdf">Validation report</a></p>
<a href="/gmomethods/">« Back to search</a></body></html>"""

# -- FAO GM Foods Platform: browse page and a record (newer two-cell table layout) ------------
FAO_BROWSE = """<html><body><h1>OECD Unique Identifier</h1><ul>
<li><a href="oecd-unique-identifier-details/en/?ui=169612">BCS-GHØØ2-5xBCS-GHØØ4-7xBCS-GHØØ5-8</a></li>
<li><a href="oecd-unique-identifier-details/en/?ui=169538">SYN-IR67B-1</a></li></ul></body></html>"""

FAO_RECORD_TABLE = """<html><body><p>Food safety and quality | share</p>
<h1>OECD Unique Identifier details</h1>
<p>BCS-GHØØ2-5xBCS-GHØØ4-7xBCS-GHØØ5-8</p>
<table>
<tr><td>Commodity:</td><td>Cotton</td></tr>
<tr><td>Traits:</td><td>Coleoptera resistance,Glufosinate tolerance,Glyphosate tolerance,Lepidoptera resistance</td></tr>
<tr><td colspan="2">European Union</td></tr>
<tr><td>Name of product applicant:</td><td>BASF Agricultural Solutions Seed US LLC</td></tr>
<tr><td>Upload:</td><td></td></tr>
<tr><td>Date of authorization:</td><td>18/08/2021</td></tr>
<tr><td>Scope of authorization:</td><td>Food and feed</td></tr>
<tr><td>Where detection method protocols and appropriate reference material (non-viable, or in certain circumstances, viable) suitable for low-level situation may be obtained:</td><td>AOCS 1108-A5, ERM-BF429, ERM-BF428</td></tr>
<tr><td>Authorization expiration date (a blank field means there is no expiration date)</td><td></td></tr>
</table></body></html>"""

FAO_RECORD_LINES = """<html><body><h1>OECD Unique Identifier details</h1>
<p>SYN-IR67B-1</p>
<p>Commodity:</p><p>Cotton</p>
<p>Traits:</p><p>Lepidoptera resistance</p>
<p>Japan</p>
<p>Name of product applicant:</p><p>Syngenta Japan K.K.</p>
<p>Date of authorization:</p><p>02/03/2011</p>
<p>Scope of authorization:</p><p>Food</p>
<p>Authorization expiration date (a blank field means there is no expiration date)</p><p>27/3/2018</p>
</body></html>"""

# -- EU register: details/11 (MON810) --------------------------------------------------------
EU_REGISTER_11 = """<html><body><header>Genetically Modified Organisms</header>
<h1>MON-ØØ81Ø-6</h1><p>EU register of genetically modified food and feed.</p>
<dl>
<dt>Event</dt><dd>MON810</dd>
<dt>Authorisation holder Name</dt><dd>Bayer Agriculture BV, Belgium<br>representing<br>Bayer CropScience LP, United States</dd>
<dt>Products</dt><dd>(1) Foods and food ingredients produced from MON-ØØ81Ø-6 maize, including pollen;<br>(2) Feed materials produced from MON-ØØ81Ø-6 maize;<br>(4) MON-ØØ81Ø-6 maize seeds for cultivation</dd>
<dt>Labelling</dt><dd>Article 13(1) and 25(1) of Regulation (EC) No 1829/2003</dd>
<dt>Method for detection</dt><dd>Event-specific real-time PCR based method for the quantification of MON-ØØ81Ø-6 maize, validated by the EURL-GMFF, published at https://gmo-crl.jrc.ec.europa.eu/gmomethods/show/QT-EVE-ZM-020/</dd>
<dt>Reference material</dt><dd>Reference Material: ERM-BF413k accessible via the Joint Research Centre (JRC) of the European Commission</dd>
</dl></body></html>"""

# -- CERA: GmCropDatabaseEvent/GA21%20x%20MON810 (2017 layout) -------------------------------
CERA_GA21_MON810 = """<html><body><h1>GM Crop Database</h1><h2>Database Product Description</h2>
<h3>GA21 x MON810 (MON-ØØØ21-9, MON-ØØ81Ø-6)</h3>
<p>Host Organism</p><p>Zea mays (Maize)</p>
<p>Resistance to lepidopteran pests and glyphosate herbicide tolerance</p>
<p>Trait Introduction</p><p>Traditional plant breeding and selection</p>
<p>Product Developer</p><p>Monsanto Company</p>
<h4>Summary of Regulatory Approvals</h4>
<table><tr><th>Country</th><th>Food</th><th>Feed</th><th>Environment</th><th>Notes</th></tr>
<tr><td>Canada</td><td>2011</td><td>2010</td><td>2010</td><td></td></tr>
<tr><td>European Union</td><td>2005</td><td>2005</td><td></td><td><a href="#">View</a></td></tr></table>
<p>This record was last modified on Friday, August 11, 2017</p></body></html>"""

# -- GMO Compass: 15.docu.html (MON810), Ø served as ō, apostrophes as í ----------------------
GMO_COMPASS_15 = """<html><body><div>GMO COMPASS - Information on genetically modified organisms</div>
<div>Nov 30, 2015 | 4:07 pm</div>
<h2>MON810</h2><p>Maize</p>
<p>ID-Number</p><p>MON-ōō81ō-6</p>
<p>International</p><p>ISAAA: MON810</p>
<p>Trait</p><p>Insect resistance</p>
<p>Status</p><p>Notified as "existing product"</p>
<p>Company</p><p>Monsanto</p><p>Presented in</p><p>France</p><p>Date</p><p>1995</p>
<p>The Commissionís decision</p></body></html>"""

# -- BioTradeStatus: one event (fields as described; no real page text exists) ----------------
BIOTRADESTATUS_EVENT = """<html><body><table>
<tr><th>Country</th><th>Product name</th><th>Event name</th><th>OECD Unique Identifier</th><th>Company</th><th>Market Status</th><th>Authorized For</th><th>Information last updated</th></tr>
<tr><td>Canada</td><td>YieldGard</td><td>MON810</td><td>MON-ØØ81Ø-6</td><td>Bayer</td><td>Commodity cultivation</td><td>food, feed, environmental/cultivation</td><td>2018</td></tr>
</table></body></html>"""

CROPLIFE_SEARCH = """<html><body><p>We use cookies to ensure that we give you the best experience.</p>
<h1>Search results</h1><ul><li><a href="https://detection-methods.com/method/mon810/">MON810 event-specific method</a></li></ul></body></html>"""

GARBAGE = "\x00\x9f<<<not html at all \ufffd>>> {]"
