"""A hand on RabbitMQ for the end-to-end event tests, through an independent client (pika).

    amqp.py publish <routing key> <body>   publish to the `events` exchange
    amqp.py count <queue>                  print the number of ready messages (exit 2: no queue)
    amqp.py delete <queue>...              delete queues that exist
"""

import sys

import pika
import pika.exceptions

URL = "amqp://guest:guest@127.0.0.1:5672/%2f"


def main() -> int:
    command, args = sys.argv[1], sys.argv[2:]
    connection = pika.BlockingConnection(pika.URLParameters(URL))
    channel = connection.channel()
    try:
        if command == "publish":
            channel.basic_publish(exchange="events", routing_key=args[0], body=args[1].encode())
        elif command == "count":
            try:
                queue = channel.queue_declare(queue=args[0], passive=True)
            except pika.exceptions.ChannelClosedByBroker:
                return 2
            print(queue.method.message_count)
        elif command == "delete":
            for name in args:
                channel.queue_delete(queue=name)
        else:
            print(f"unknown command {command}", file=sys.stderr)
            return 1
    finally:
        if connection.is_open:
            connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
