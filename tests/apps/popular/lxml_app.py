"""lxml: XPath and XSLT."""
from lxml import etree

doc = etree.fromstring("<list><item n='1'>a</item><item n='2'>b</item></list>")
print(doc.xpath("//item[@n='2']/text()"))
xslt = etree.XSLT(etree.fromstring(
    "<xsl:stylesheet version='1.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
    "<xsl:template match='/'><out><xsl:value-of select='count(//item)'/></out></xsl:template>"
    "</xsl:stylesheet>"))
print(str(xslt(doc)).strip())
