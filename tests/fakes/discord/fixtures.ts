import type { Deck } from '../../../src/engine/deck/types.js';

/** A three-card deck for end-to-end tests: every card has a back, an explanation and a quiz form. */
export function threeCardDeck(id = 'k8s'): Deck {
  const card = (n: number, front: string, back: string, right: string, wrong: string[]) => ({
    id: `card-${n}`,
    front,
    back,
    explanation: `Because ${right.toLowerCase()}.`,
    tags: ['test'],
    quiz: [{ question: front, choices: [right, ...wrong], answer: right }],
  });
  return {
    id,
    title: 'Kubernetes basics',
    description: 'Three cards for tests',
    newPerDay: 20,
    retention: 0.9,
    cards: [
      card(1, 'What is a Pod?', 'The smallest deployable unit', 'A group of containers', [
        'A VM',
        'A node',
        'A volume',
      ]),
      card(2, 'What runs on every node?', 'The kubelet', 'The kubelet', ['etcd', 'The scheduler', 'kubectl']),
      card(3, 'Where is cluster state kept?', 'In etcd', 'etcd', [
        'The kubelet',
        'A ConfigMap',
        'The node disk',
      ]),
    ],
  };
}
