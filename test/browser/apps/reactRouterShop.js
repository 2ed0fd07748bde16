// A small shop built the way React Router's docs start one (createBrowserRouter, RouterProvider,
// Link, useSearchParams), bundled by the browser test with esbuild from the react-router,
// react and react-dom packages. No JSX: it needs no transform of its own.
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { Link, Outlet, createBrowserRouter, useParams, useSearchParams } from 'react-router';
import { RouterProvider } from 'react-router/dom';

function Layout() {
  return h(
    'div',
    null,
    h(
      'nav',
      null,
      h(Link, { id: 'nav-home', to: '/' }, 'Home'),
      ' ',
      h(Link, { id: 'nav-product', to: '/products/7' }, 'Product'),
      ' ',
      h(Link, { id: 'nav-about', to: '/about' }, 'About'),
    ),
    h('main', null, h(Outlet)),
  );
}

function Product() {
  const { id } = useParams();
  const [params, setParams] = useSearchParams();
  // Choosing a colour pushes ?color= (a new history entry): the same product page.
  return h(
    'div',
    null,
    h('h1', null, 'Product ' + id + ' in ' + (params.get('color') || 'blue')),
    h('button', { id: 'red', onClick: () => setParams({ color: 'red' }) }, 'Red'),
    h('button', { id: 'green', onClick: () => setParams({ color: 'green' }) }, 'Green'),
    h(
      'form',
      { id: 'notify', onSubmit: (event) => event.preventDefault() },
      h('input', { name: 'email', type: 'email', placeholder: 'Tell me when it is back' }),
      h('button', null, 'Notify me'),
    ),
  );
}

const router = createBrowserRouter([
  {
    path: '/',
    element: h(Layout),
    children: [
      { index: true, element: h('h1', null, 'Home') },
      { path: 'products/:id', element: h(Product) },
      { path: 'about', element: h('h1', null, 'About') },
    ],
  },
]);

createRoot(document.getElementById('root')).render(h(RouterProvider, { router }));
