"""pydantic v2 validation (pydantic-core) and PyYAML's C loader."""
import pydantic
import pydantic_core
import yaml
from pydantic import BaseModel, Field, ValidationError

DOC = """
name: widget
price: "12.50"
tags: [blue, small]
stock:
  paris: 3
  lyon: 0
"""


class Product(BaseModel):
    name: str
    price: float = Field(gt=0)
    tags: list[str]
    stock: dict[str, int]


print("pydantic major:", pydantic.VERSION.split(".")[0])
core = pydantic_core._pydantic_core
print("core:", pydantic_core.SchemaValidator.__module__, core.__spec__.origin.endswith(".py"))
print("CLoader:", hasattr(yaml, "CLoader"))
data = yaml.load(DOC, Loader=yaml.CLoader)
loader = yaml.CLoader(DOC)
print("loader is C:", type(loader).__module__, type(loader).__mro__[1].__module__)
loader.dispose()
p = Product.model_validate(data)
print("product:", p.name, p.price, p.tags, sorted(p.stock.items()))
print("json:", p.model_dump_json())
try:
    Product.model_validate({"name": "bad", "price": -1, "tags": "x", "stock": {"a": "many"}})
except ValidationError as e:
    print("errors:", e.error_count(), sorted({err["type"] for err in e.errors()}))
print("dump:", yaml.dump({"b": [1, 2], "a": "x"}, Dumper=yaml.CDumper).strip().replace("\n", " | "))
