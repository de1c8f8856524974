"""Orders topics: shipping and returns (Acme and Globex also sell hardware: scanners, label printers)."""

from tickets.demo.topics import AttachmentSpec, Exchange, Topic
from tickets.models import Channel

_ORDERS = {"queue": "Orders", "category": "Orders"}

TOPICS = (
    Topic(
        key="order-not-arrived",
        title="Order has not arrived",
        subcategory="Shipping",
        subjects=(
            "Order {order} hasn't arrived",
            "Where is my order {order}?",
            "Tracking for {order} stuck for a week",
        ),
        openings=(
            "Hi, I ordered a {item} on {date} (order {order}) and it still hasn't arrived. Tracking {tracking} has "
            'said "in transit" for a week.',
            "Our order {order} was due on {weekday} but nothing came. Can you check with the carrier?",
        ),
        clarifications=(
            Exchange(
                "Sorry about the wait. Could you confirm the delivery address? The carrier shows a failed delivery "
                "attempt at {street}, {postcode} {city}.",
                "That's right, but reception is staffed all day. Nobody came.",
            ),
        ),
        answers=(
            "{carrier} confirmed the parcel was damaged in their depot and never left it. I've sent a replacement "
            "{item} by express today, new tracking {tracking2}; it should arrive tomorrow. No need to return "
            "anything if the first one turns up.",
            "The parcel was held at {carrier}'s depot in {city} because the house number was missing from the "
            "label. I've asked them to deliver it with the corrected address; tracking {tracking} will update "
            "tomorrow morning.",
        ),
        follow_ups=(
            Exchange(
                "Tracking still doesn't show anything new.",
                "I've called {carrier}: it is on today's van and will arrive by 6 pm. If it doesn't, I'll refund the "
                "shipping and send another at once.",
            ),
        ),
        thanks=("It arrived this morning. Thanks for chasing it.", "Got the replacement, thank you!"),
        notes=("Carrier trace opened, reference {ref_number}.",),
        complaints=("Two weeks for a delivery and I had to ask three times.",),
        escalation="Second failed delivery for the same order; customer needs it for an event.",
        waiting="I've opened a trace with {carrier} (reference {ref_number}); they answer within two working "
        "days and I'll update you as soon as they do.",
        tags=("shipping", "delivery"),
        priorities=(1, 6, 3, 1),
        channels={Channel.WEB: 4, Channel.EMAIL: 3, Channel.PHONE: 3},
        **_ORDERS,
    ),
    Topic(
        key="damaged-item-return",
        title="Item arrived damaged",
        subcategory="Returns",
        subjects=(
            "{item} arrived damaged",
            "Broken on arrival, order {order}",
            "Return a damaged {item}",
        ),
        openings=(
            "Hello, the {item} from order {order} arrived with a cracked case, and the box was crushed. Photo "
            "attached. I'd like a replacement.",
            "The {item} we received today doesn't turn on and the packaging was damaged. What do we do?",
        ),
        clarifications=(
            Exchange(
                "I'm sorry it arrived like that. Could you send a photo of the box and of the damage? The carrier "
                "needs them for the claim.",
                "Photos attached. The box was wet on one side too.",
            ),
        ),
        answers=(
            "Thanks for the photos. I've sent a replacement {item} today (tracking {tracking2}), and a prepaid "
            "return label by mail: put the damaged one in the replacement's box and drop it at any {carrier} point "
            "within 30 days.",
            "I've refunded the {item} in full ({amount}) to your original payment method; you'll see it within 5 "
            "working days. Please keep the damaged one for two weeks in case the carrier wants to collect it.",
        ),
        thanks=("Replacement arrived and works. Thanks.",),
        notes=("Carrier damage claim filed with the customer's photos.",),
        complaints=("The replacement took a week; I needed it for a client visit.",),
        tags=("returns", "damaged"),
        attachment=AttachmentSpec(kind="parcel_photo", name="damaged-parcel.png"),
        priorities=(1, 6, 3, 0),
        channels={Channel.WEB: 5, Channel.EMAIL: 3, Channel.PHONE: 1},
        **_ORDERS,
    ),
    Topic(
        key="wrong-item-shipped",
        title="Wrong item shipped",
        subcategory="Returns",
        subjects=("Wrong item in order {order}", "Received the wrong model", "We ordered a {item}, got something else"),
        openings=(
            "Hi, we ordered a {item} (order {order}) but the box has the {item_other} in it. Can you swap it?",
            "Order {order} came with the wrong model. The packing slip says {item}, the box says {item_other}.",
        ),
        answers=(
            "Sorry for the mix-up, a packing mistake on our side. The {item} goes out today by express (tracking "
            "{tracking2}), and you'll get a prepaid label by mail to send the {item_other} back within 30 days. "
            "You won't be charged for either shipment.",
        ),
        thanks=("Right model arrived today. Thank you.",),
        notes=("Picking error: neighbouring shelf locations. Warehouse informed.",),
        tags=("returns", "wrong-item"),
        priorities=(1, 7, 2, 0),
        **_ORDERS,
    ),
    Topic(
        key="change-delivery-address",
        title="Change the delivery address of an order",
        subcategory="Shipping",
        subjects=(
            "Change delivery address for order {order}",
            "Ship order {order} to our new office",
            "Wrong address on my order",
        ),
        openings=(
            "Hello, I just placed order {order} and noticed it goes to our old office. Please send it to {street}, "
            "{postcode} {city} instead.",
            "Can I still change the delivery address on order {order}? We moved last month.",
        ),
        answers=(
            "Caught it in time: order {order} hadn't been packed yet, so I've changed the delivery address to "
            "{street}, {postcode} {city}. It ships tomorrow; you'll get the tracking number by mail.",
            "The order had already left our warehouse, so I've asked {carrier} to redirect it to {street}, "
            "{postcode} {city}. Redirects add one day; tracking {tracking} shows the new address by tonight.",
        ),
        thanks=("Perfect, thanks!",),
        tags=("shipping", "address"),
        priorities=(1, 5, 4, 0),
        channels={Channel.PHONE: 4, Channel.WEB: 3, Channel.EMAIL: 3},
        **_ORDERS,
    ),
)
